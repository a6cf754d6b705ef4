import type { CounterReading } from './db-counters.js';
import type { FailoverFigures } from './failover.js';
import type { Distribution } from './stats.js';

/** The figures of one bench run, as printed and as `--json` writes them. */
export interface BenchResult {
  /** The workload. */
  workload: string;
  /** `sqlite`, `postgres` or `mariadb`. */
  db: string;
  /** Node processes. */
  nodes: number;
  /** Worker slots per node. */
  concurrency: number;
  /** The workload's size settings (tasks, seconds, schedules, due, leaseMs) and the busy loops beside the run. */
  parameters: Record<string, number | null>;
  /** Schedules created through `RookeryClient.createSchedules`, jobs through `enqueueMany`, and how long that took. */
  created: { schedules: number; jobs: number; ms: number };
  /** (schedule, fire time) pairs that fell due. */
  expected: number;
  /** Of those, how many ended successfully (recorded by the executor). */
  completed: number;
  /** From the first due time to the last recorded end, ms. */
  durationMs: number;
  /** Completed tasks per second of `durationMs`. */
  tasksPerSecond: number;
  /** First recorded start minus the due time, ms, over the completed tasks. */
  latenessMs: Distribution;
  /** Database transactions (committed) in the measured window; null where the server has no counter (SQLite). */
  dbTransactions: { source: string; perTask: number; perSecond: number; counters: CounterReading } | null;
  /** CPU of the node processes in the measured window, ms per completed task and per second. */
  nodeCpu: { perTaskMs: number; perSecondMs: number };
  /** CPU of the database server's processes on this machine in the window; null when not findable. */
  dbCpu: { perTaskMs: number; perSecondMs: number; processes: number } | null;
  /** Peak resident set (VmHWM) of each node, MiB. */
  nodePeakRssMiB: Record<string, number>;
  /** Fire times that fell due and never ran (history checker). */
  lost: number;
  /** Tasks completed more than once in the ledger (history checker). */
  duplicated: number;
  /** Fire times whose executor ran more than once (at-least-once reruns after a kill). */
  reruns: number;
  /** `failover`: ms from the kill to each of the killed node's tasks starting elsewhere. */
  recoveryMs: Distribution | null;
  /** `failover`: the killed node's held tasks, the latest start of the others' and the held ones' restarts, from the executor's records; null otherwise. */
  failover: FailoverFigures | null;
  /** `generalError` lines the nodes printed. */
  generalErrors: number;
  /** What makes the figures doubtful. */
  warnings: string[];
}
