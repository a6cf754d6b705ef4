import type { ApiClient } from '../api/api-client.js';
import type { Task } from '../api/types.js';
import type { ActionAccess } from '../actions/action-button.js';
import { h, replace } from '../dom/h.js';
import { formatTime } from '../dom/format.js';
import { errorBox } from '../dom/notice.js';
import { stateBadge } from '../dom/state-badge.js';
import { refreshEvery } from '../pages/page-context.js';
import { CursorPager } from '../pages/pager.js';
import { href } from '../router.js';
import { taskDetail } from '../task/task-detail.js';
import { LEDGER_STATES, ledgerLegend, ledgerTimeline } from './ledger-timeline.js';

const PAGE_SIZE = 100;
const REFRESH_MS = 5_000;

/** Where the ledger view lives: its schedule, the API, the role, and the page's lifetime. */
export interface LedgerViewOptions {
  api: ApiClient;
  /** The token's role and what the server offers. */
  access: ActionAccess;
  scheduleId: string;
  /** How the URL names the schedule (its name). */
  scheduleName: string;
  /** The occurrence to open at once (from the URL's `task`), if any. */
  openTaskId: string | null;
  signal: AbortSignal;
}

/**
 * A schedule's occurrence ledger, newest fire time first, 100 a page from the server (the first page refreshed every 5 s), with a
 * state filter: a timeline of the page's fire times and a table of them; clicking either opens
 * the occurrence's attempts, nodes, fences, reasons and log beside them. The open occurrence is
 * kept in the URL, so a link opens it again.
 */
export function ledgerView(options: LedgerViewOptions): HTMLElement {
  const { api, access, scheduleId, signal } = options;
  const pager = new CursorPager();
  let state = '';
  let selected = options.openTaskId;
  let detailRequest: AbortController | undefined;
  const timelineArea = h('div', { class: 'timeline-area' });
  const tableArea = h('div', { class: 'ledger-table' });
  const detailArea = h(
    'aside',
    { class: 'occurrence', 'aria-label': 'occurrence' },
    h('p', { class: 'muted' }, 'Click a fire time to see its attempts and log.'),
  );

  const openTask = async (taskId: string): Promise<void> => {
    selected = taskId;
    history.replaceState(null, '', href('schedules', options.scheduleName, { task: taskId }));
    for (const cell of timelineArea.querySelectorAll('[data-occurrence]'))
      cell.classList.toggle('selected', cell.getAttribute('data-occurrence') === taskId);
    detailRequest?.abort();
    detailRequest = new AbortController();
    const local = AbortSignal.any([signal, detailRequest.signal]);
    replace(detailArea, h('p', { class: 'loading' }, 'Loading…'));
    try {
      const data = await api.task(taskId, local);
      replace(
        detailArea,
        h('h2', {}, h('a', { href: href('tasks', taskId) }, `Fire time ${formatTime(data.task.fireAt)}`)),
        taskDetail(api, access, data, () => void openTask(taskId), local),
      );
    } catch (error) {
      if (!local.aborted) replace(detailArea, errorBox(error));
    }
  };

  const row = (task: Task): HTMLElement =>
    h(
      'tr',
      {
        'data-occurrence-row': task.id,
        class: task.id === selected ? 'selected' : '',
        onclick: () => void openTask(task.id),
      },
      h(
        'td',
        {},
        h(
          'a',
          {
            href: href('schedules', options.scheduleName, { task: task.id }),
            onclick: (event) => event.preventDefault(),
          },
          formatTime(task.fireAt),
        ),
        task.origin === 'manual' && h('span', { class: 'origin-manual', title: 'run now by an operator' }, ' manual'),
      ),
      h('td', {}, stateBadge(task.state)),
      h('td', {}, task.attempt),
      h('td', {}, task.nodeId ?? '–'),
      h('td', {}, task.fence),
      h('td', { class: 'reason' }, task.reason ?? task.error ?? '–'),
    );

  const load = async (): Promise<void> => {
    try {
      const page = await api.occurrences(scheduleId, { state, limit: PAGE_SIZE, cursor: pager.cursor }, signal);
      pager.loaded(page.nextCursor);
      replace(
        timelineArea,
        page.items.length === 0
          ? h('p', { class: 'empty' }, 'No fire time recorded yet.')
          : ledgerTimeline(page.items, selected, (task) => void openTask(task.id)),
      );
      replace(
        tableArea,
        h(
          'table',
          { class: 'ledger' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['fire time', 'state', 'attempt', 'node', 'fence', 'reason'].map((t) => h('th', {}, t)),
            ),
          ),
          h('tbody', {}, page.items.map(row)),
        ),
        pager.controls(() => void load()),
      );
    } catch (error) {
      if (!signal.aborted) replace(tableArea, errorBox(error));
    }
  };

  const filter = h(
    'select',
    {
      'aria-label': 'ledger state filter',
      onchange: (event) => {
        state = (event.target as HTMLSelectElement).value;
        pager.reset();
        void load();
      },
    },
    h('option', { value: '' }, 'every state'),
    LEDGER_STATES.map((s) => h('option', { value: s }, s)),
  );
  const refresh = h('button', { class: 'secondary', 'data-refresh': 'ledger', onclick: () => void load() }, 'Refresh');
  // the first page follows new fire times; older pages stay as they were read
  refreshEvery(
    REFRESH_MS,
    signal,
    async () => {
      if (pager.cursor === undefined) await load();
    },
    (error) => replace(tableArea, errorBox(error)),
  );
  if (selected) void openTask(selected);
  return h(
    'section',
    { class: 'ledger-view', 'aria-label': 'occurrence ledger' },
    h('div', { class: 'toolbar' }, h('h2', {}, 'Occurrence ledger'), filter, refresh),
    ledgerLegend(),
    timelineArea,
    h('div', { class: 'split' }, tableArea, detailArea),
  );
}
