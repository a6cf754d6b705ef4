import type { ApiClient } from '../api/api-client.js';
import type { Task, TaskState } from '../api/types.js';
import type { ActionAccess } from '../actions/action-button.js';
import { allows } from '../auth/roles.js';
import { h, replace } from '../dom/h.js';
import { formatTime } from '../dom/format.js';
import { describeError, errorBox, notify } from '../dom/notice.js';
import { stateBadge } from '../dom/state-badge.js';
import { href } from '../router.js';
import type { PageContext } from './page-context.js';
import { CursorPager } from './pager.js';

const STATES: TaskState[] = [
  'pending',
  'running',
  'completed',
  'failed',
  'skipped',
  'missed',
  'coalesced',
  'cancelled',
  'abandoned',
];
const PAGE_SIZE = 50;

function enqueueForm(api: ApiClient, access: ActionAccess, onQueued: (task: Task) => void): HTMLElement | null {
  if (!allows(access.role, 'operate') || !access.offers('POST /jobs')) return null;
  const executor = h('input', {
    name: 'executor',
    required: true,
    placeholder: 'executor name',
    'aria-label': 'executor',
  });
  const payload = h('textarea', {
    name: 'payload',
    rows: 2,
    placeholder: '{"any": "JSON"}',
    'aria-label': 'payload (JSON)',
  });
  const key = h('input', { name: 'key', placeholder: 'dedupe key (optional)', 'aria-label': 'dedupe key' });
  const form = h(
    'form',
    { class: 'enqueue', 'aria-label': 'enqueue a job' },
    executor,
    payload,
    key,
    h('button', { class: 'primary', type: 'submit', 'data-action': 'enqueue' }, 'Enqueue'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      let body: unknown;
      try {
        body = payload.value.trim() === '' ? undefined : JSON.parse(payload.value);
      } catch (error) {
        notify(`The payload is not JSON (field: payload): ${describeError(error)}`, 'error');
        return;
      }
      try {
        const { task, created } = await api.enqueue({
          executor: executor.value.trim(),
          ...(body === undefined ? {} : { payload: body }),
          ...(key.value.trim() ? { key: key.value.trim() } : {}),
        });
        notify(created ? 'job enqueued' : 'a live job has this key: nothing was enqueued');
        form.reset();
        onQueued(task);
      } catch (error) {
        notify(`Enqueue failed: ${describeError(error)}`, 'error');
      }
    })();
  });
  return form;
}

function row(task: Task): HTMLElement {
  return h(
    'tr',
    { 'data-task-row': task.id },
    h('td', {}, h('a', { href: href('tasks', task.id) }, task.id.slice(-12))),
    h('td', {}, stateBadge(task.state)),
    h('td', {}, task.executor),
    h(
      'td',
      {},
      task.scheduleId
        ? h('a', { href: href('schedules', task.scheduleId, { task: task.id }) }, 'ledger')
        : h('span', { class: 'muted' }, task.key ? `job, key ${task.key}` : 'job'),
    ),
    h('td', {}, formatTime(task.fireAt)),
    h('td', {}, task.nodeId ?? '–'),
    h('td', {}, task.reason ?? task.error ?? '–'),
  );
}

/**
 * Jobs and tasks, newest first, filtered on the server by state and executor (and to jobs only), with the enqueue
 * form for operators. A job (a task with no schedule) is marked as such; a schedule's task
 * links to its place in the ledger.
 */
export function renderJobsPage({ root, api, role, offers, route, signal }: PageContext): void {
  let state = route.query.get('state') ?? '';
  let executor = route.query.get('executor') ?? '';
  let kind = route.query.get('kind') === 'job' ? 'job' : '';
  const pager = new CursorPager();
  const listArea = h('section', { 'aria-label': 'tasks' });
  const load = async (): Promise<void> => {
    history.replaceState(null, '', href('jobs', { state, executor, kind }));
    try {
      const page = await api.tasks({ state, executor, kind, limit: PAGE_SIZE, cursor: pager.cursor }, signal);
      pager.loaded(page.nextCursor);
      replace(
        listArea,
        page.items.length === 0
          ? h('p', { class: 'empty' }, 'No task matches.')
          : h(
              'table',
              {},
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ['task', 'state', 'executor', 'schedule', 'fire time', 'node', 'reason'].map((t) => h('th', {}, t)),
                ),
              ),
              h('tbody', {}, page.items.map(row)),
            ),
        pager.controls(() => void load()),
      );
    } catch (error) {
      if (!signal.aborted) replace(listArea, errorBox(error));
    }
  };
  const filter = h(
    'select',
    {
      'aria-label': 'state filter',
      onchange: (event) => {
        state = (event.target as HTMLSelectElement).value;
        pager.reset();
        void load();
      },
    },
    h('option', { value: '' }, 'every state'),
    STATES.map((s) => h('option', { value: s, selected: s === state }, s)),
  );
  const executorFilter = h('input', {
    type: 'search',
    placeholder: 'executor',
    'aria-label': 'executor filter',
    value: executor,
    onchange: (event) => {
      executor = (event.target as HTMLInputElement).value.trim();
      pager.reset();
      void load();
    },
  });
  const jobsOnly = h(
    'label',
    {},
    h('input', {
      type: 'checkbox',
      name: 'jobs-only',
      checked: kind === 'job',
      onchange: (event) => {
        kind = (event.target as HTMLInputElement).checked ? 'job' : '';
        pager.reset();
        void load();
      },
    }),
    ' jobs only',
  );
  replace(
    root,
    h('h1', {}, 'Jobs and tasks'),
    enqueueForm(api, { role, offers }, (task) => {
      location.hash = href('tasks', task.id);
    }),
    h('div', { class: 'toolbar' }, filter, executorFilter, jobsOnly),
    listArea,
  );
  void load();
}
