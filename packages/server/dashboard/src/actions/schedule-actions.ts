import type { ApiClient } from '../api/api-client.js';
import type { Schedule } from '../api/types.js';
import { h } from '../dom/h.js';
import { actionButton, type ActionAccess } from './action-button.js';

/**
 * The operator actions of a schedule that its state allows, the role may use and the server offers: pause or
 * resume and run now (operate); retire and delete (admin, each behind a confirmation).
 */
export function scheduleActions(
  api: ApiClient,
  access: ActionAccess,
  schedule: Schedule,
  reload: () => void,
  onDeleted: () => void,
): HTMLElement {
  const id = schedule.id;
  const live = schedule.state === 'active' || schedule.state === 'paused';
  return h(
    'div',
    { class: 'actions' },
    schedule.state === 'active' &&
      actionButton(access, {
        label: 'Pause',
        name: 'pause',
        needs: 'operate',
        operation: 'POST /schedules/{idOrName}/pause',
        run: () => api.scheduleAction(id, 'pause'),
        done: `${schedule.name} paused`,
        after: reload,
      }),
    schedule.state === 'paused' &&
      actionButton(access, {
        label: 'Resume',
        name: 'resume',
        needs: 'operate',
        operation: 'POST /schedules/{idOrName}/resume',
        run: () => api.scheduleAction(id, 'resume'),
        done: `${schedule.name} resumed`,
        after: reload,
      }),
    live &&
      actionButton(access, {
        label: 'Run now',
        name: 'run',
        needs: 'operate',
        operation: 'POST /schedules/{idOrName}/run',
        run: () => api.scheduleAction(id, 'run'),
        done: `${schedule.name}: a run was enqueued`,
        after: reload,
      }),
    live &&
      actionButton(access, {
        label: 'Retire',
        name: 'retire',
        needs: 'admin',
        operation: 'POST /schedules/{idOrName}/retire',
        confirm: {
          title: `Retire ${schedule.name}?`,
          detail: 'It will never fire again; its ledger is kept. This cannot be undone.',
        },
        run: () => api.scheduleAction(id, 'retire'),
        done: `${schedule.name} retired`,
        after: reload,
      }),
    actionButton(access, {
      label: 'Delete',
      name: 'delete',
      needs: 'admin',
      operation: 'DELETE /schedules/{idOrName}',
      confirm: {
        title: `Delete ${schedule.name}?`,
        detail: 'The schedule and its occurrence ledger are removed. This cannot be undone.',
      },
      run: () => api.deleteSchedule(id),
      done: `${schedule.name} deleted`,
      after: onDeleted,
    }),
  );
}
