import type { ApiClient } from '../api/api-client.js';
import type { Role, Schedule } from '../api/types.js';
import { h } from '../dom/h.js';
import { actionButton } from './action-button.js';

/**
 * The operator actions of a schedule that its state allows and the role may use: pause or
 * resume and run now (operate); retire and delete (admin, each behind a confirmation).
 */
export function scheduleActions(api: ApiClient, role: Role, schedule: Schedule, reload: () => void, onDeleted: () => void): HTMLElement {
  const id = schedule.id;
  const live = schedule.state === 'active' || schedule.state === 'paused';
  return h(
    'div',
    { class: 'actions' },
    schedule.state === 'active' && actionButton(role, { label: 'Pause', name: 'pause', needs: 'operate', run: () => api.scheduleAction(id, 'pause'), done: `${schedule.name} paused`, after: reload }),
    schedule.state === 'paused' && actionButton(role, { label: 'Resume', name: 'resume', needs: 'operate', run: () => api.scheduleAction(id, 'resume'), done: `${schedule.name} resumed`, after: reload }),
    live && actionButton(role, { label: 'Run now', name: 'run', needs: 'operate', run: () => api.scheduleAction(id, 'run'), done: `${schedule.name}: a run was enqueued`, after: reload }),
    live &&
      actionButton(role, {
        label: 'Retire',
        name: 'retire',
        needs: 'admin',
        confirm: { title: `Retire ${schedule.name}?`, detail: 'It will never fire again; its ledger is kept. This cannot be undone.' },
        run: () => api.scheduleAction(id, 'retire'),
        done: `${schedule.name} retired`,
        after: reload,
      }),
    actionButton(role, {
      label: 'Delete',
      name: 'delete',
      needs: 'admin',
      confirm: { title: `Delete ${schedule.name}?`, detail: 'The schedule and its occurrence ledger are removed. This cannot be undone.' },
      run: () => api.deleteSchedule(id),
      done: `${schedule.name} deleted`,
      after: onDeleted,
    }),
  );
}
