import type { Task } from '../model/task.js';
import type { LogFields, Logger } from './logger.js';

/** The fields every log record of a task carries: which task, schedule, attempt, fence and executor. */
export function taskBindings(task: Task): LogFields {
  return {
    taskId: task.id,
    scheduleId: task.scheduleId,
    attempt: task.attempt,
    fence: task.fence,
    executor: task.executor,
  };
}

/**
 * The child logger of one attempt of a task: its records carry {@link taskBindings}. The
 * task's payload is never among them.
 */
export function taskLogger(logger: Logger, task: Task): Logger {
  return logger.child(taskBindings(task));
}
