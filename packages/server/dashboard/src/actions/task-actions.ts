import type { ApiClient } from '../api/api-client.js';
import type { Task } from '../api/types.js';
import { h } from '../dom/h.js';
import { actionButton, type ActionAccess } from './action-button.js';

/** The operator actions of a task: cancel a live one (behind a confirmation), retry a failed, cancelled, missed or abandoned one; both need `operate`. */
export function taskActions(api: ApiClient, access: ActionAccess, task: Task, reload: () => void): HTMLElement {
  const live = task.state === 'pending' || task.state === 'running';
  const retriable =
    task.state === 'failed' || task.state === 'cancelled' || task.state === 'missed' || task.state === 'abandoned';
  return h(
    'div',
    { class: 'actions' },
    live &&
      !task.cancelRequested &&
      actionButton(access, {
        label: 'Cancel task',
        name: 'cancel',
        needs: 'operate',
        operation: 'POST /tasks/{id}/cancel',
        confirm: {
          title: 'Cancel this task?',
          detail:
            task.state === 'running'
              ? `The attempt running on ${task.nodeId ?? 'its node'} is aborted and the task recorded cancelled.`
              : 'It will not start; it is recorded cancelled.',
        },
        run: () => api.taskAction(task.id, 'cancel', { reason: 'cancelled from the dashboard' }),
        done: 'cancel requested',
        after: reload,
      }),
    retriable &&
      actionButton(access, {
        label: 'Retry',
        name: 'retry',
        needs: 'operate',
        operation: 'POST /tasks/{id}/retry',
        run: () => api.taskAction(task.id, 'retry'),
        done: 'retry enqueued',
        after: reload,
      }),
  );
}
