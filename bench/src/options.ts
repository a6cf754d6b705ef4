import { parseArgs } from 'node:util';

/** The workloads of the bench. */
export const WORKLOADS = ['burst', 'spread', 'failover', 'recurring', 'cron', 'stored'] as const;

/** One of {@link WORKLOADS}. */
export type Workload = (typeof WORKLOADS)[number];

/** A run's settings, from the command line. */
export interface BenchOptions {
  /** What to run. */
  workload: Workload;
  /** `sqlite` (a file in a temp dir) or the URL of a server's admin database. */
  db: string;
  /** Node processes. */
  nodes: number;
  /** Worker slots per node. */
  concurrency: number;
  /** One-shot tasks (`burst`, `spread`, `failover`). */
  tasks: number;
  /** Seconds the due times are spread over (`spread`, `failover`), the schedules run (`recurring`, `cron`: whole minutes, rounded up), or the cluster is watched (`stored`). */
  seconds: number;
  /** Every-second schedules (`recurring`), every-minute cron schedules (`cron`) or schedules stored far in the future (`stored`). */
  schedules: number;
  /** `stored`: every-second schedules due among the stored ones. */
  due: number;
  /** `burst`, `spread`: jobs enqueued beside the workload's, due a day after its first due time, which stay pending. */
  later: number;
  /** How long each task's executor sleeps, ms (0: a no-op). */
  taskMs: number;
  /** The nodes' lease, ms; undefined leaves the node default. */
  leaseMs: number | undefined;
  /** The nodes' claim pace (`rookery node --claim-pace-ms`), ms; undefined leaves the node default. */
  claimPaceMs: number | undefined;
  /** Ms from the end of the schedule creation estimate to the first due time; undefined: 2 s + 0.25 ms per schedule. */
  leadMs: number | undefined;
  /** Longest wait for the work to finish after the last due time, seconds. */
  timeoutSeconds: number;
  /** Print the figures as JSON after the table. */
  json: boolean;
  /** A directory where each node writes a V8 CPU profile, or undefined for none. */
  cpuProfDir: string | undefined;
  /** A file to write the checked history into (records, ledger events, faults, the checker's report), or undefined. */
  historyOut: string | undefined;
  /** Run the workload on the peers too (pg-boss, graphile-worker, BullMQ). */
  compare: boolean;
  /** PostgreSQL admin URL the PostgreSQL peers run on (`--db` when that is PostgreSQL). */
  peerPostgres: string;
  /** Redis URL BullMQ runs on. */
  peerRedis: string;
  /** Busy loops (processes spinning a core each) beside the run. */
  busy: number;
}

/** Where the PostgreSQL peers run when `--db` is not PostgreSQL and `--peer-postgres` is not given. */
export const DEFAULT_PEER_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Where BullMQ runs when `--peer-redis` is not given. */
export const DEFAULT_PEER_REDIS = 'redis://127.0.0.1:6379';

/** The usage text of `npm run bench -- --help`. */
export const USAGE = `npm run bench -- [options]

  --workload <name>     burst | spread | failover | recurring | cron | stored (default burst)
  --db <spec>           sqlite (default: a file in a temp dir), or a server's admin database URL:
                        postgres://postgres@127.0.0.1:5432/postgres, mysql://root@127.0.0.1:3306/mysql;
                        a fresh database is created for the run and dropped after it
  --nodes <n>           rookery node processes (default 3)
  --concurrency <n>     worker slots per node (default 20)
  --tasks <M>           burst, spread, failover: one-shot tasks (default 5000; the issue's size: 20000)
  --seconds <W>         spread, failover: due times spread over W s (default 20);
                        recurring: how long the schedules fire (default 60; the issue's: 120);
                        cron: minutes they fire, W / 60 rounded up (default 60: one minute);
                        stored: how long the cluster is watched (default 20)
  --schedules <K|S>     recurring: every-second schedules (default 200; the issue's: 1000);
                        cron: '* * * * *' schedules, first due at a minute's start (default 1000);
                        stored: schedules stored far in the future (default 100000; the issue's: 1000000)
  --due <n>             stored: every-second schedules among them that do fire (default 10)
  --later <n>           burst, spread: n more jobs, due a day later, pending beside the run: what a
                        backlog of delayed jobs costs the claims (default 0)
  --task-ms <ms>        how long each task runs (default 0, a no-op; failover: 100, so that the
                        killed node holds attempts)
  --lease-ms <ms>       the nodes' lease (default: the node's own, 10000)
  --claim-pace-ms <ms>  the nodes' claim pace (default: the node's own, 10)
  --lead-ms <ms>        time between the start of schedule creation and the first due time
                        (default 2000 + 0.25 per schedule)
  --timeout <s>         longest wait for the work after the last due time (default 300)
  --json                print the figures as JSON too
  --cpu-prof <dir>      each node writes a V8 CPU profile (.cpuprofile) into dir, to see where
                        its time goes (open in Chrome DevTools; profiling slows the nodes)
  --history-out <file>  write what was checked as JSON: the executors' start and end records,
                        the ledger's transitions, the faults and the checker's report (to look
                        into one task: a late recovery, a rerun)
  --compare             run the same workload on pg-boss, graphile-worker and BullMQ too (each
                        where installed and its server reachable), a column each in the table
  --peer-postgres <url> admin database URL of the PostgreSQL server of pg-boss and graphile-worker
                        (default: --db when it is PostgreSQL, else ${DEFAULT_PEER_POSTGRES})
  --peer-redis <url>    Redis of BullMQ (default ${DEFAULT_PEER_REDIS}); a fresh key prefix per run
  --busy <n>            n busy loops (processes spinning a core each) beside the whole run
  --help                this text`;

/**
 * Reads a whole-number option of a bench command.
 *
 * @param name - the option, without its dashes (for the error)
 * @param value - its text, if given
 * @param fallback - the value when not given
 * @param min - the smallest accepted
 * @param max - the largest accepted
 * @throws Error naming `--name` when the text is not a whole number in [min, max]
 */
export function integer(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max)
    throw new Error(`--${name} must be a whole number from ${min} to ${max}, got '${value}'`);
  return n;
}

/**
 * Parses the bench's command line; undefined when `--help` was asked for.
 *
 * @param args - the arguments after `npm run bench --`
 * @throws Error naming the option that is wrong
 */
export function parseBenchOptions(args: readonly string[]): BenchOptions | undefined {
  const { values } = parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      workload: { type: 'string' },
      db: { type: 'string' },
      nodes: { type: 'string' },
      concurrency: { type: 'string' },
      tasks: { type: 'string' },
      seconds: { type: 'string' },
      schedules: { type: 'string' },
      due: { type: 'string' },
      later: { type: 'string' },
      'task-ms': { type: 'string' },
      'lease-ms': { type: 'string' },
      'claim-pace-ms': { type: 'string' },
      'lead-ms': { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
      'cpu-prof': { type: 'string' },
      'history-out': { type: 'string' },
      compare: { type: 'boolean' },
      'peer-postgres': { type: 'string' },
      'peer-redis': { type: 'string' },
      busy: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return undefined;
  const workload = values.workload ?? 'burst';
  if (!(WORKLOADS as readonly string[]).includes(workload))
    throw new Error(`--workload must be one of ${WORKLOADS.join(', ')}, got '${workload}'`);
  const w = workload as Workload;
  const leaseMs = values['lease-ms'];
  const claimPaceMs = values['claim-pace-ms'];
  const db = values.db ?? 'sqlite';
  const peerPostgres = values['peer-postgres'] ?? (/^postgres(ql)?:/i.test(db) ? db : DEFAULT_PEER_POSTGRES);
  if (!/^postgres(ql)?:\/\//i.test(peerPostgres))
    throw new Error(`--peer-postgres must be a postgres:// URL, got '${peerPostgres}'`);
  const peerRedis = values['peer-redis'] ?? DEFAULT_PEER_REDIS;
  if (!/^rediss?:\/\//i.test(peerRedis)) throw new Error(`--peer-redis must be a redis:// URL, got '${peerRedis}'`);
  const leadMs = values['lead-ms'];
  const options: BenchOptions = {
    workload: w,
    db,
    nodes: integer('nodes', values.nodes, 3, 1, 64),
    concurrency: integer('concurrency', values.concurrency, 20, 1, 10_000),
    tasks: integer('tasks', values.tasks, 5_000, 1, 10_000_000),
    seconds: integer('seconds', values.seconds, w === 'recurring' || w === 'cron' ? 60 : 20, 1, 86_400),
    schedules: integer(
      'schedules',
      values.schedules,
      w === 'stored' ? 100_000 : w === 'cron' ? 1_000 : 200,
      1,
      100_000_000,
    ),
    due: integer('due', values.due, 10, 0, 100_000),
    later: integer('later', values.later, 0, 0, 100_000_000),
    taskMs: integer('task-ms', values['task-ms'], w === 'failover' ? 100 : 0, 0, 3_600_000),
    leaseMs: leaseMs === undefined ? undefined : integer('lease-ms', leaseMs, 0, 100, 3_600_000),
    claimPaceMs: claimPaceMs === undefined ? undefined : integer('claim-pace-ms', claimPaceMs, 0, 0, 1_000),
    leadMs: leadMs === undefined ? undefined : integer('lead-ms', leadMs, 0, 0, 86_400_000),
    timeoutSeconds: integer('timeout', values.timeout, 300, 1, 86_400),
    json: values.json ?? false,
    cpuProfDir: values['cpu-prof'],
    historyOut: values['history-out'],
    compare: values.compare ?? false,
    peerPostgres,
    peerRedis,
    busy: integer('busy', values.busy, 0, 0, 256),
  };
  if (options.later > 0 && w !== 'burst' && w !== 'spread')
    throw new Error(`--later applies to --workload burst or spread, not ${w}`);
  if (w === 'failover' && options.nodes < 2)
    throw new Error('--workload failover needs --nodes 2 or more (one is killed)');
  return options;
}
