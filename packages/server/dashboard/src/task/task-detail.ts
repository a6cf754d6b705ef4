import type { ApiClient } from '../api/api-client.js';
import type { Task, TaskEvent } from '../api/types.js';
import type { ActionAccess } from '../actions/action-button.js';
import { taskActions } from '../actions/task-actions.js';
import { h } from '../dom/h.js';
import { formatDuration, formatJson, formatTime, toMs } from '../dom/format.js';
import { stateBadge } from '../dom/state-badge.js';
import { href } from '../router.js';
import { attemptsOf } from './attempts.js';
import { logView } from './log-view.js';

function field(label: string, value: Node | string): HTMLElement[] {
  return [h('dt', {}, label), h('dd', {}, value)];
}

/** Where a task comes from, in words. */
const ORIGIN: Record<Task['origin'], string> = {
  trigger: "its schedule's trigger",
  manual: 'run now by an operator',
  job: 'enqueued as a job',
};

function summary(task: Task): HTMLElement {
  const fireAt =
    task.spanCount > 1
      ? `${formatTime(task.fireAt)} … ${formatTime(task.spanEndAt)} (${task.spanCount} fire times)`
      : formatTime(task.fireAt);
  return h(
    'dl',
    { class: 'fields' },
    field(
      'state',
      h(
        'span',
        {},
        stateBadge(task.state),
        task.cancelRequested && task.state === 'running' ? ' (cancel requested)' : '',
      ),
    ),
    field(task.scheduleId ? 'fire time' : 'enqueued for', fireAt),
    field(
      'schedule',
      task.scheduleId ? h('a', { href: href('schedules', task.scheduleId) }, task.scheduleId) : 'none (a job)',
    ),
    field('origin', ORIGIN[task.origin]),
    field('executor', task.executor),
    field('attempt', `${task.attempt} (failures ${task.failures}, repairs ${task.repairs})`),
    field('fence', String(task.fence)),
    field('node', task.nodeId ?? '–'),
    field('started', formatTime(task.startedAt)),
    field('ended', formatTime(task.endedAt)),
    field('reason', task.reason ?? '–'),
    field('error', task.error ?? '–'),
    task.key !== null && field('key', task.key),
    field('payload', h('code', {}, formatJson(task.payload))),
    task.result !== null && task.result !== undefined && field('result', h('code', {}, formatJson(task.result))),
  );
}

function attemptsTable(events: TaskEvent[]): HTMLElement {
  const attempts = attemptsOf(events);
  if (attempts.length === 0) return h('p', { class: 'empty' }, 'Not started.');
  return h(
    'table',
    { class: 'attempts' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['#', 'node', 'fence', 'started', 'ran for', 'outcome', 'reason'].map((t) => h('th', {}, t)),
      ),
    ),
    h(
      'tbody',
      {},
      attempts.map((a) => {
        const ran = a.endedAt === null ? null : (toMs(a.endedAt) ?? 0) - (toMs(a.startedAt) ?? 0);
        return h(
          'tr',
          {},
          h('td', {}, a.number),
          h('td', {}, a.nodeId ?? '–'),
          h('td', {}, a.fence),
          h('td', {}, formatTime(a.startedAt)),
          h('td', {}, a.endedAt === null ? 'running' : formatDuration(ran)),
          h('td', {}, a.outcome ? stateBadge(a.outcome) : '–'),
          h('td', {}, a.reason ?? '–'),
        );
      }),
    ),
  );
}

function transitionsTable(events: TaskEvent[]): HTMLElement {
  return h(
    'table',
    { class: 'transitions' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['at', 'from', 'to', 'node', 'fence', 'reason'].map((t) => h('th', {}, t)),
      ),
    ),
    h(
      'tbody',
      {},
      events.map((e) =>
        h(
          'tr',
          {},
          h('td', {}, formatTime(e.at)),
          h('td', {}, e.from ?? 'created'),
          h('td', {}, stateBadge(e.to)),
          h('td', {}, e.nodeId ?? '–'),
          h('td', {}, e.fence),
          h('td', {}, e.reason ?? '–'),
        ),
      ),
    ),
  );
}

/**
 * Everything about one task: its fields, its attempts (node, fence, outcome, reason), its
 * transitions and its log, followed live while it runs; with the actions the role may use.
 */
export function taskDetail(
  api: ApiClient,
  access: ActionAccess,
  data: { task: Task; events: TaskEvent[] },
  reload: () => void,
  signal: AbortSignal,
): HTMLElement {
  const { task, events } = data;
  const live = task.state === 'pending' || task.state === 'running';
  return h(
    'div',
    { class: 'task-detail', 'data-task': task.id, 'data-task-state': task.state },
    taskActions(api, access, task, reload),
    summary(task),
    h('h3', {}, 'Attempts'),
    attemptsTable(events),
    h('h3', {}, 'Log'),
    logView(api, task.id, live, signal, reload),
    h('details', {}, h('summary', {}, `Transitions (${events.length})`), transitionsTable(events)),
  );
}
