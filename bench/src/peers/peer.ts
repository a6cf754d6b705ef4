import type { Workload } from '../options.js';

/** The peers `--compare` runs the workloads on, in table order. */
export const PEER_NAMES = ['pg-boss', 'graphile-worker', 'bullmq'] as const;

/** One of {@link PEER_NAMES}. */
export type PeerName = (typeof PEER_NAMES)[number];

/** A one-shot job of a peer's workload: its bench id, its due time and how long it runs. */
export interface PeerJob {
  /** Bench id, recorded as the task id. */
  id: string;
  /** Due time, epoch ms. */
  fireAt: number;
  /** How long the handler sleeps, ms (0: a no-op). */
  ms: number;
}

/** A schedule of a peer's workload, every `everyMs` or on `cron`, firing `count` times from `startAt`. */
export interface PeerSchedule {
  /** Bench id, recorded as the schedule id. */
  id: string;
  /** First fire time, epoch ms. */
  startAt: number;
  /** Interval, ms (60 000 for the cron schedules). */
  everyMs: number;
  /** A cron expression (UTC) the schedule fires on, or null for an interval schedule. */
  cron: string | null;
  /** How many times it fires. */
  count: number;
  /** How long the handler sleeps, ms. */
  ms: number;
}

/** What a peer's worker process is told (as JSON in `ROOKERY_PEER_CONFIG`). */
export interface PeerWorkerConfig {
  /** Which peer. */
  peer: PeerName;
  /** PostgreSQL URL of the run's database, or the Redis URL. */
  url: string;
  /** BullMQ key prefix of the run; unused by the PostgreSQL peers. */
  prefix: string;
  /** Jobs run at once by the process. */
  concurrency: number;
  /** How long a crashed process's job stays claimed before the peer hands it out again, ms. */
  leaseMs: number;
  /** The history file the handler records into. */
  history: string;
  /** `* * * * *` schedules the process holds itself (graphile-worker's crontab lives in its workers); 0 for none. */
  cronSchedules: number;
  /** How long the jobs of those schedules run, ms. */
  taskMs: number;
}

/** The server a peer's run uses, for the cost figures. */
export interface PeerServer {
  /** What the transaction (or command) counter counts, for the table. */
  counterSource: string;
  /** Reads the counter now. */
  readCounter(): Promise<number>;
  /** Command names of the server's processes on this machine, or undefined when it is remote. */
  processNames: string[] | undefined;
}

/** A peer's fresh place for one run (a database, a key prefix), ready for jobs. */
export interface PeerDeployment {
  /** Settings for the worker processes, without `concurrency`, `leaseMs`, `history`, `cronSchedules` and `taskMs`. */
  target: Pick<PeerWorkerConfig, 'url' | 'prefix'>;
  /** The server, for the cost figures. */
  server: PeerServer;
  /** Creates the jobs with the peer's bulk API. */
  createJobs(jobs: readonly PeerJob[]): Promise<void>;
  /** Creates the schedules (only where {@link PeerSystem.schedulesEveryMs} and {@link PeerSystem.cronSchedules} allow them). */
  createSchedules(schedules: readonly PeerSchedule[]): Promise<void>;
  /** Drops the database or deletes the prefix's keys, and closes connections. */
  drop(): Promise<void>;
}

/** Where the peers' servers are. */
export interface PeerServers {
  /** Admin database URL of the PostgreSQL server (pg-boss, graphile-worker). */
  postgres: string;
  /** Redis URL (BullMQ). */
  redis: string;
}

/** A job system the bench compares Rookery with, as seen from the bench's own process. */
export interface PeerSystem {
  /** Its npm name. */
  name: PeerName;
  /** Its installed version; throws when the package is missing. */
  version(): Promise<string>;
  /** The settings it runs with, as documented in bench/README.md (setting → value). */
  settings(concurrency: number, leaseMs: number): Record<string, string>;
  /** The shortest interval its schedules fire at, ms (60 000 for minute cron). */
  schedulesEveryMs: number;
  /** Whether it runs K `* * * * *` schedules side by side (the `cron` workload); when not, the reason. */
  cronSchedules: true | string;
  /**
   * Whether a SIGKILLed process's jobs are handed out again within the run (after `leaseMs`);
   * when false, the reason.
   */
  recoversKilledJobs: true | string;
  /** Makes a fresh place for a run on its server (throws when the server is unreachable). */
  deploy(servers: PeerServers, leaseMs: number): Promise<PeerDeployment>;
}

/** Why `peer` does not run `workload`, or undefined when it does. */
export function unsupported(
  peer: Pick<PeerSystem, 'name' | 'schedulesEveryMs' | 'cronSchedules'>,
  workload: Workload,
): string | undefined {
  if (workload === 'stored') return 'the stored workload is not compared';
  if (workload === 'recurring' && peer.schedulesEveryMs > 1_000)
    return `its schedules fire at most once every ${peer.schedulesEveryMs / 1_000} s (cron), not every second`;
  if (workload === 'cron' && peer.cronSchedules !== true) return peer.cronSchedules;
  return undefined;
}
