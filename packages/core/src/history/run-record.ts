/**
 * One line of a recorded history: the start or end of one attempt, as the executor saw it.
 * Test harnesses and the demo append these to a file; {@link checkHistory} reads them.
 */
export interface RunRecord {
  /** Start or end of an attempt. */
  kind: 'start' | 'end';
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
}

/**
 * A fault the harness injected. Node faults: `kill` (SIGKILL), `pause` (SIGSTOP until SIGCONT),
 * `stop` (graceful SIGTERM), `disconnect` (its database sessions killed from the server side),
 * `skew` (its clock offset for the whole run). `outage`: the database itself was down
 * (`nodeId` is `database`).
 */
export interface FaultRecord {
  /** The node, or `database` for an outage. */
  nodeId: string;
  /** When, wall clock. */
  at: number;
  /** What was done. */
  kind: 'kill' | 'pause' | 'stop' | 'disconnect' | 'skew' | 'outage';
  /** For a pause: when the node was resumed (SIGCONT); for an outage: when the database answered again. */
  until?: number;
}
