import type { Datastore } from '../datastore/datastore.js';
import { RETRYABLE_TASK_STATES } from '../datastore/operator-actions.js';
import { checkIdArgument } from '../datastore/read-params.js';
import { DuplicateKeyError } from '../errors/duplicate-key-error.js';
import { InvalidStateError } from '../errors/invalid-state-error.js';
import { NotFoundError } from '../errors/not-found-error.js';
import type { EventBus } from '../events/event-bus.js';
import { OPERATOR_RETRY_REASON } from '../datastore/ledger-reasons.js';
import type { Task } from '../model/task.js';
import { mayReleaseGate } from '../model/task-policies.js';
import type { WakeSignals } from '../wake/wake-signals.js';

/** What the task operations need from the client. */
export interface TaskOperationDeps {
  /** The shared datastore. */
  datastore: Datastore;
  /** Where task events go, if anywhere. */
  events: EventBus | undefined;
  /** Hints to idle nodes that work falls due. */
  wakeSignals: WakeSignals;
}

/** See {@link RookeryClient.cancelTask}. */
export async function cancelTask(deps: TaskOperationDeps, id: string, reason: string): Promise<Task> {
  checkIdArgument('id', id);
  checkIdArgument('reason', reason);
  const t = await deps.datastore.taskRequestCancel({ taskId: id, reason });
  if (!t) throw new NotFoundError('task', id);
  if (t.state === 'cancelled') {
    deps.events?.emit('taskCancelled', t);
    // The schedule's gate it held is released: its next fire time needs peeling now.
    if (mayReleaseGate(t, 'end')) deps.wakeSignals.announce(t.updatedAt, 'schedules');
  } else if (t.state === 'running') deps.events?.emit('taskCancelRequested', t);
  return t;
}

/** See {@link RookeryClient.retryTask}. */
export async function retryTask(deps: TaskOperationDeps, id: string): Promise<Task> {
  checkIdArgument('id', id);
  const result = await deps.datastore.taskRetry({ taskId: id, reason: OPERATOR_RETRY_REASON });
  if (!result) throw new NotFoundError('task', id);
  switch (result.outcome) {
    case 'refused-state':
      throw new InvalidStateError(
        'task',
        id,
        result.task.state,
        `task ${id} is ${result.task.state}; only ${RETRYABLE_TASK_STATES.join(', ')} tasks can be retried`,
      );
    case 'refused-key':
      throw new DuplicateKeyError(
        'key',
        `task ${id} has key '${result.task.key ?? ''}', which live task ${result.holder.id} (${result.holder.state}) holds; retry it once that task has ended`,
      );
    case 'retried':
      deps.wakeSignals.announce(result.task.dueAt, 'tasks');
      return result.task;
  }
}
