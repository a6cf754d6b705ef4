import type { FailoverFigures } from '../failover.js';
import type { Distribution } from '../stats.js';
import type { PeerName } from './peer.js';

/** The figures of one peer under `--compare`, as printed and as `--json` writes them. */
export interface PeerResult {
  /** The peer's npm name. */
  peer: PeerName;
  /** Its installed version, or null when it is not installed. */
  version: string | null;
  /** Why it was not run (not installed, server unreachable, workload not supported), or null. */
  skipped: string | null;
  /** Where it ran: `PostgreSQL` or `Redis`, with the host. */
  server: string;
  /** Its settings, as in bench/README.md (setting → value). */
  settings: Record<string, string>;
  /** Jobs created with its bulk API, schedules created, and how long that took. */
  created: { jobs: number; schedules: number; ms: number };
  /** Fire times that fell due. */
  expected: number;
  /** Of those, how many ended successfully (recorded by the handler). */
  completed: number;
  /** From the first due time to the last recorded end, ms. */
  durationMs: number;
  /** Completed tasks per second of `durationMs`. */
  tasksPerSecond: number;
  /** First recorded start minus the due time, ms. */
  latenessMs: Distribution;
  /** Server transactions (PostgreSQL `xact_commit`) or commands (Redis) in the measured window; null when unreadable. */
  serverCounter: { source: string; perTask: number; perSecond: number } | null;
  /** CPU of the worker processes in the measured window. */
  nodeCpu: { perTaskMs: number; perSecondMs: number };
  /** CPU of the server's processes on this machine in the window; null when not findable. */
  dbCpu: { perTaskMs: number; perSecondMs: number; processes: number } | null;
  /** Fire times that fell due and never completed. */
  lost: number;
  /** Fire times whose handler ran more than once. */
  reruns: number;
  /** `failover`: what the SIGKILL of one worker process did; null otherwise. */
  failover: FailoverFigures | null;
  /** `generalError` lines the worker processes printed. */
  generalErrors: number;
  /** What makes the figures doubtful. */
  warnings: string[];
}
