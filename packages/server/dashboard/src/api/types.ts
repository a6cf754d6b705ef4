/**
 * The API's JSON shapes as the dashboard reads them: the client's model types with every
 * instant serialised (an ISO-8601 string; epoch ms numbers are accepted too).
 */

/** An instant as the API sends it. */
export type Instant = string | number;

/** A token's role; each includes the ones before it. */
export type Role = 'read' | 'operate' | 'admin';

/** Lifecycle state of a schedule. */
export type ScheduleState = 'active' | 'paused' | 'retired' | 'pending-validation' | 'rejected' | 'done';

/** State of a task: `pending` and `running` are live, the rest terminal. */
export type TaskState =
  'pending' | 'running' | 'completed' | 'failed' | 'skipped' | 'missed' | 'coalesced' | 'cancelled' | 'abandoned';

/** A schedule, as far as the dashboard shows it. */
export interface Schedule {
  id: string;
  name: string;
  executor: string;
  payload: unknown;
  trigger: { kind: string; [field: string]: unknown };
  state: ScheduleState;
  nextFireAt: Instant | null;
  fence: number;
  policies: {
    duplicate: string;
    misfire: string;
    retry: { kind: string; maxAttempts: number };
    [field: string]: unknown;
  };
  validation: { by: string; at: Instant; field: string | null; reason: string | null } | null;
  createdAt: Instant;
  updatedAt: Instant;
}

/** A task: one row of a schedule's occurrence ledger, or a job. */
export interface Task {
  id: string;
  scheduleId: string | null;
  fireAt: Instant;
  key: string | null;
  /** Where it comes from: its schedule's trigger, an operator's run now, or an enqueue. */
  origin: 'trigger' | 'manual' | 'job';
  spanEndAt: Instant | null;
  spanCount: number;
  dueAt: Instant;
  state: TaskState;
  attempt: number;
  failures: number;
  repairs: number;
  fence: number;
  executor: string;
  payload: unknown;
  nodeId: string | null;
  startedAt: Instant | null;
  endedAt: Instant | null;
  result: unknown;
  error: string | null;
  reason: string | null;
  cancelRequested: boolean;
  createdAt: Instant;
}

/** One state transition of a task. */
export interface TaskEvent {
  taskId: string;
  at: Instant;
  from: TaskState | null;
  to: TaskState;
  nodeId: string | null;
  reason: string | null;
  fence: number;
}

/** One stored line of a task's log. */
export interface LogLine {
  seq: number;
  taskId: string;
  at: Instant;
  line: string;
}

/** A node as the cluster sees it. */
export interface ClusterNode {
  id: string;
  host: string;
  pid: number;
  executors: string[];
  startedAt: Instant;
  heartbeatAt: Instant;
  stoppedAt: Instant | null;
  /** Its clock's offset from the database clock (node − database), ms. */
  clockOffsetMs: number;
  /** Not stopped, and heartbeating. */
  alive: boolean;
  /** Tasks it runs now: its worker slots in use. */
  running: number;
}

/** `GET /overview`. */
export interface Overview {
  at: Instant;
  nodes: ClusterNode[];
  tasks: { pending: number; running: number; completedLastHour: number; failedLastHour: number };
  backlog: number;
  latenessMs: { p50: number; p99: number } | null;
  startedPerSecond: number;
}

/** One page of a server-paged list. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
