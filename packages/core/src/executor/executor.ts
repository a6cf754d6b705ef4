import type { Json } from '../json.js';

/** Identity of the attempt an executor runs, including its fencing token. */
export interface TaskRef {
  /** Task id. */
  id: string;
  /** Schedule id; null for a job (a task enqueued with no schedule). */
  scheduleId: string | null;
  /** The fire time the task stands for, epoch ms. */
  fireAt: number;
  /** Attempt number, 1 for the first. */
  attempt: number;
  /**
   * Fencing token of this attempt: it grows with every claim of the task, so an external
   * system that remembers the largest fence it saw can refuse a stale attempt's writes.
   */
  fence: number;
}

/** What an executor gets to run one attempt. */
export interface ExecutionContext {
  /** The attempt. */
  task: TaskRef;
  /**
   * `<task id>:<fence>`, the same for every call about this attempt and different for every
   * other attempt, retries of the same task included. Pass it to an external system as the
   * idempotency key of the submission (an HTTP `Idempotency-Key` header, a job id, a dedupe
   * key), so that a submission sent twice starts one execution; the system can also keep the
   * largest fence it saw per task id and refuse an older attempt's writes.
   */
  idempotencyKey: string;
  /** The schedule's payload. */
  payload: Json;
  /** Aborted when the attempt must stop: timeout, cancel, lost lease, node stopping. */
  signal: AbortSignal;
  /**
   * Writes a line to the task's log: emitted as a `taskLog` event (printed by `rookery node`)
   * and stored in batches (read with `rookery task logs`), at most 2000 lines per attempt.
   */
  log(line: string): void;
  /** Tells the node the attempt is alive (renews sooner; required by executors that report liveness). */
  heartbeat(): void;
}

/** How {@link Executor.start} ended: finished in process, or handed to an external system. */
export type ExecutionStart =
  | { kind: 'done'; result: Json | null }
  | {
      kind: 'external';
      /** Id of the execution in the external system. */
      executionId: string;
      /**
       * How its outcome arrives: `poll` ({@link Executor.status} on the node's poll waits) or
       * `message` (someone calls `RookeryNode.reportExecution`, for example a messaging
       * transport's listener). With `message`, `status` is still polled, when the executor has
       * it, as a fallback for a message that never comes. @defaultValue 'poll'
       */
      reports?: 'poll' | 'message';
    };

/** What an external system reports about one execution. */
export type ExternalStatus =
  | { state: 'running' }
  | { state: 'completed'; result: Json | null }
  | { state: 'failed'; error: string; retryable: boolean };

/**
 * Runs tasks. `start` either finishes the work in process (resolves `done`, or throws to fail
 * the attempt: a {@link PermanentError} is never retried), or returns the id of an external
 * execution whose outcome arrives through {@link Executor.status} polling or a message.
 */
export interface Executor {
  /** Name that schedules refer to. */
  readonly name: string;
  /**
   * Checks a schedule's payload before any task of it runs, and throws a `ValidationError`
   * naming the field at fault (`payload.command`) when it is bad. It may check the world
   * asynchronously (does the command exist on this node?), so it runs on a node that has this
   * executor: for schedules submitted with a client id, by the cluster's validation duty.
   * Any other error is unexpected: the node reports it as `generalError` and tries again later.
   * Without `validate`, every payload is accepted.
   */
  validate?(payload: Json): void | Promise<void>;
  /**
   * True when `start`'s promise settles only once the work it started has stopped, also after
   * the attempt's signal aborts (a child process group that is gone, not merely signalled). The
   * node then awaits it after an abort before it frees the worker slot or commits the outcome,
   * so a retry, the next run of a `skip` schedule or another node's attempt never runs beside
   * it. Without it, an aborted attempt settles at once and a late settlement is ignored.
   * @defaultValue false
   */
  readonly settlesAfterAbort?: boolean;
  /**
   * With {@link Executor.settlesAfterAbort}: the longest `start` takes to settle after the
   * signal aborts (a process's kill grace, and a little more). The node aborts this executor's
   * attempts this much earlier than its trust window (lease − trust margin) would, and renews
   * leases often enough that a renewal fits in what is left, so the work is over before another
   * node may take the task. A node refuses an executor whose grace leaves less than 100 ms of
   * the window. @defaultValue 0
   */
  readonly abortGraceMs?: number;
  /** Starts one attempt. */
  start(ctx: ExecutionContext): Promise<ExecutionStart>;
  /** Reports the state of an external execution. Required when `start` can return `external`. */
  status?(executionId: string): Promise<ExternalStatus>;
  /** Cancels an external execution, where the system allows it. */
  cancel?(executionId: string): Promise<void>;
}
