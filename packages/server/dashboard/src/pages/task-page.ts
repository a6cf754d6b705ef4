import { h, replace } from '../dom/h.js';
import { errorBox } from '../dom/notice.js';
import { href } from '../router.js';
import { taskDetail } from '../task/task-detail.js';
import type { PageContext } from './page-context.js';

/** A task: its fields, attempts, transitions and log (followed live while it runs), with cancel and retry. */
export async function renderTaskPage({ root, api, role, offers, route, signal }: PageContext): Promise<void> {
  const id = route.path[1] ?? '';
  const body = h('div', {}, h('p', { class: 'loading' }, 'Loading…'));
  const crumbs = h('p', { class: 'breadcrumb' }, h('a', { href: href('jobs') }, 'Tasks'), ' / ', id);
  replace(root, crumbs, h('h1', {}, 'Task ', h('code', {}, id)), body);
  let current: AbortController | undefined;
  const load = async (): Promise<void> => {
    current?.abort();
    current = new AbortController();
    const local = AbortSignal.any([signal, current.signal]);
    try {
      const data = await api.task(id, local);
      const scheduleId = data.task.scheduleId;
      if (scheduleId) {
        // the schedule's name for the way back to its ledger; its id when it is gone
        const name = await api.schedule(scheduleId, local).then(
          (s) => s.name,
          () => scheduleId,
        );
        replace(
          crumbs,
          h('a', { href: href('schedules') }, 'Schedules'),
          ' / ',
          h('a', { href: href('schedules', name, { task: id }) }, name),
          ' / task',
        );
      }
      replace(
        body,
        taskDetail(api, { role, offers }, data, () => void load(), local),
      );
    } catch (error) {
      if (!local.aborted) replace(body, errorBox(error));
    }
  };
  await load();
}
