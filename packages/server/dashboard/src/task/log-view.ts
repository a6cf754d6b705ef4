import type { ApiClient } from '../api/api-client.js';
import { followLog } from '../api/log-stream.js';
import type { LogLine } from '../api/types.js';
import { h, replace } from '../dom/h.js';
import { formatTime } from '../dom/format.js';
import { describeError } from '../dom/notice.js';

/**
 * A task's log: the stored lines, then, while `live` (the task is pending or running), every
 * new line as it is written, followed over the log stream until the task ends (then `ended` is
 * called) or `signal` aborts.
 */
export function logView(
  api: ApiClient,
  taskId: string,
  live: boolean,
  signal: AbortSignal,
  ended: () => void,
): HTMLElement {
  const lines = h('pre', { class: 'log', 'data-log': taskId, 'aria-live': 'polite' });
  const status = h('p', { class: 'log-status muted' }, 'Loading the log…');
  let lastSeq = 0;
  const add = (line: LogLine): void => {
    if (line.seq <= lastSeq) return;
    lastSeq = line.seq;
    const follow = lines.scrollTop + lines.clientHeight >= lines.scrollHeight - 4;
    lines.appendChild(
      h(
        'div',
        { class: 'log-line', 'data-seq': line.seq },
        h('span', { class: 'log-at' }, formatTime(line.at)),
        ' ',
        line.line,
      ),
    );
    if (follow) lines.scrollTop = lines.scrollHeight;
  };
  void (async () => {
    try {
      for (;;) {
        const page = await api.logs(taskId, lastSeq, signal);
        page.items.forEach(add);
        if (page.items.length === 0 || page.next <= lastSeq) break;
      }
      if (!live) {
        replace(status, lastSeq === 0 ? 'No log lines.' : '');
        return;
      }
      replace(status, h('span', { class: 'following' }, '● following the live log'));
      await followLog(
        api,
        taskId,
        lastSeq,
        {
          onLine: add,
          onEnd: () => {
            replace(status, 'The task ended; the log is complete.');
            ended();
          },
        },
        signal,
      );
    } catch (error) {
      if (!signal.aborted)
        replace(status, h('span', { class: 'error' }, `The log could not be read: ${describeError(error)}`));
    }
  })();
  return h('div', { class: 'log-view' }, status, lines);
}
