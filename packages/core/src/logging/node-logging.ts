import type { EventBus } from '../events/event-bus.js';
import type { RookeryEventMap, RookeryEventName } from '../events/event-map.js';
import type { Task } from '../model/task.js';
import type { LogFields, Logger } from './logger.js';
import { redactSecrets } from './redact-secrets.js';
import { taskLogger } from './task-logger.js';

/** A node clock further than this from the database clock is logged as a warning. */
export const CLOCK_OFFSET_WARN_MS = 1_000;

/** How a node logs. */
export interface NodeLoggingOptions {
  /** The node's logger; its records carry `nodeId`. */
  logger: Logger;
  /** The node's id. */
  nodeId: string;
  /** A record per task event and per line of a task log (false: node events, repairs, lost leases, warnings and errors only). */
  taskEvents: boolean;
  /** The running attempt's task of an id, so that a task-log line carries the task's fields. */
  runningTask(taskId: string): Task | undefined;
}

/** Level of each task event's record. */
const TASK_EVENT_LEVELS = {
  taskCreated: 'info',
  taskStarted: 'info',
  taskAdopted: 'info',
  taskCompleted: 'info',
  taskSkipped: 'info',
  taskReleased: 'info',
  taskTimedOut: 'warn',
  taskCancelled: 'warn',
  taskAbandoned: 'warn',
} as const satisfies Partial<Record<RookeryEventName, keyof Logger>>;

/** An instant as an ISO string, null kept. */
function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** The fields of a task event's record (besides the task's bindings): never the payload. */
function taskEventFields(event: string, task: Task): LogFields {
  return {
    event,
    fireAt: iso(task.fireAt),
    state: task.state,
    ...(task.reason ? { reason: redactSecrets(task.reason) } : {}),
  };
}

/**
 * Logs the life of a node from its events: join and stop, clock offset warnings, lost leases,
 * repairs, validations, retention, unexpected errors, and (with `taskEvents`) every task event
 * and task-log line through a child logger carrying the task's id, schedule, attempt, fence and
 * executor. Every record has an `event` field naming the event. Error texts go through
 * {@link redactSecrets}; payloads and results are never logged.
 *
 * @param events - the node's bus
 * @param options - logger, node id and what to log
 * @returns a function that stops logging (unsubscribes)
 */
export function logNodeLife(events: EventBus, options: NodeLoggingOptions): () => void {
  const log = options.logger.child({ nodeId: options.nodeId });
  const offs: (() => void)[] = [];
  const on = <K extends RookeryEventName>(name: K, listener: (...args: RookeryEventMap[K]) => void): void => {
    events.on(name, listener);
    offs.push(() => events.off(name, listener));
  };
  if (options.taskEvents) {
    for (const [name, level] of Object.entries(TASK_EVENT_LEVELS) as [
      keyof typeof TASK_EVENT_LEVELS,
      'debug' | 'info' | 'warn',
    ][]) {
      on(name, ((task: Task) => taskLogger(log, task)[level](taskEventFields(name, task), name)) as (
        ...args: RookeryEventMap[typeof name]
      ) => void);
    }
    on('taskFailed', (task, error) =>
      taskLogger(log, task).warn({ ...taskEventFields('taskFailed', task), error: redactSecrets(error) }, 'taskFailed'),
    );
    on('taskRetried', (task, error) =>
      taskLogger(log, task).warn(
        { ...taskEventFields('taskRetried', task), error: redactSecrets(error), dueAt: iso(task.dueAt) },
        'taskRetried',
      ),
    );
    on('taskLog', (taskId, line) => {
      const task = options.runningTask(taskId);
      (task ? taskLogger(log, task) : log.child({ taskId })).info({ event: 'taskLog', line }, line);
    });
  }
  on('leaseLost', (taskId, fence) => {
    const task = options.runningTask(taskId);
    (task ? taskLogger(log, task) : log.child({ taskId, fence })).warn(
      { event: 'leaseLost' },
      'leaseLost: the attempt was aborted and nothing of it committed',
    );
  });
  on('repairFinished', (_nodeId, tasks) => {
    for (const task of tasks) taskLogger(log, task).warn(taskEventFields('taskRepaired', task), 'taskRepaired');
  });
  let skewed = false;
  on('clockOffset', (offsetMs) => {
    // A large offset is a warning, never a fault: the database clock decides leases and due-ness.
    const large = Math.abs(offsetMs) >= CLOCK_OFFSET_WARN_MS;
    if (large && !skewed) {
      log.warn(
        { event: 'clockOffset', offsetMs },
        `this node's clock is ${offsetMs} ms off the database clock (leases and due times still follow the database clock; fire times are planned with the offset corrected)`,
      );
    } else if (!large && skewed) {
      log.info({ event: 'clockOffset', offsetMs }, `clock offset back to ${offsetMs} ms`);
    }
    skewed = large;
  });
  on('scheduleValidated', (s) =>
    log.info({ event: 'scheduleValidated', scheduleId: s.id, state: s.state }, 'scheduleValidated'),
  );
  on('scheduleRejected', (s) =>
    log.warn(
      { event: 'scheduleRejected', scheduleId: s.id, state: s.state, reason: s.validation?.reason ?? null },
      'scheduleRejected',
    ),
  );
  on('poolResized', (workers, running) => log.info({ event: 'poolResized', workers, running }, 'poolResized'));
  on('historyPruned', (tasks, nodes, schedules) =>
    log.info({ event: 'historyPruned', tasks, nodes, schedules }, 'historyPruned'),
  );
  on('nodeJoined', (node) =>
    log.info({ event: 'nodeJoined', host: node.host, pid: node.pid, executors: node.executors }, 'nodeJoined'),
  );
  on('nodeLeft', () => log.info({ event: 'nodeLeft' }, 'nodeLeft'));
  on('generalError', (error, ctx) => {
    const message = redactSecrets(error.message);
    const fields: LogFields = {
      event: 'generalError',
      source: ctx.source,
      error: message,
      ...(error.stack ? { stack: redactSecrets(error.stack) } : {}),
    };
    const task = ctx.taskId === undefined ? undefined : options.runningTask(ctx.taskId);
    const logger = task ? taskLogger(log, task) : ctx.taskId === undefined ? log : log.child({ taskId: ctx.taskId });
    logger.error(fields, `generalError [${ctx.source}]: ${message}`);
  });
  return () => offs.forEach((off) => off());
}
