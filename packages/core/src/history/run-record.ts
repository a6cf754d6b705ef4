/**
 * One line of a recorded history: the start or end of one attempt, as the code executing it
 * saw it, or a sign of life in between. Test harnesses and the demo append these to a file;
 * {@link checkHistory} reads them.
 */
export interface RunRecord {
  /**
   * `start` and `end` of an attempt's execution (`end` once its work has really stopped: after
   * it observed its abort signal, or when its process exits), or `alive`: it was still running
   * at `at` (written by an execution that may die without writing its end, such as a child
   * process that can be SIGKILLed).
   */
  kind: 'start' | 'end' | 'alive';
  /** Node that ran it. */
  nodeId: string;
  /** Task id. */
  taskId: string;
  /** Schedule id; null for a job (a task enqueued with no schedule). */
  scheduleId: string | null;
  /** Fire time the task stands for. */
  fireAt: number;
  /** Attempt number. */
  attempt: number;
  /** Fence of the attempt. */
  fence: number;
  /** Wall-clock instant of the record. */
  at: number;
  /** For `end`: whether the execution succeeded. */
  ok?: boolean;
  /**
   * The execution writes another record within this many ms for as long as it runs (`start` and
   * `alive` records of an execution that writes `alive` ones). One that stops writing without an
   * `end` died within this long of its last record.
   */
  everyMs?: number;
}

/**
 * A fault the harness injected. Node faults: `kill` (SIGKILL), `pause` (SIGSTOP until SIGCONT),
 * `stop` (graceful SIGTERM), `disconnect` (its database sessions killed from the server side),
 * `partition` (its connections to the database stopped carrying bytes, sockets open, until
 * healed), `slow` (its database round trips slowed down), `skew` (its clock offset for the whole
 * run). `outage`: the database itself was down (`nodeId` is `database`).
 */
export interface FaultRecord {
  /** The node, or `database` for an outage. */
  nodeId: string;
  /** When, wall clock. */
  at: number;
  /** What was done. */
  kind: 'kill' | 'pause' | 'stop' | 'disconnect' | 'partition' | 'slow' | 'skew' | 'outage';
  /** For a pause: when the node was resumed (SIGCONT); for a partition or a slow link: when it healed; for an outage: when the database answered again. */
  until?: number;
}
