import type PgBossModule from 'pg-boss';
import type { RecordedRun } from './recorder.js';
import { installedVersion } from './installed-version.js';
import type { PeerDeployment, PeerJob, PeerSystem, PeerWorkerConfig } from './peer.js';
import { freshPostgres } from './postgres-server.js';

/** The queue every pg-boss job of the bench goes to. */
const QUEUE = 'bench-noop';

/** Jobs per `insert` call. */
const CHUNK = 5_000;

/** pg-boss's shortest polling interval, s (its documented minimum): the wait after a batch that was not full. */
const POLLING_SECONDS = 0.5;

/** How often pg-boss's maintenance expires the jobs of crashed workers, s (its documented minimum). */
const MAINTENANCE_SECONDS = 1;

/** Attempts after the first. */
const RETRY_LIMIT = 2;

async function load(): Promise<typeof PgBossModule> {
  return (await import('pg-boss')).default;
}

/** pg-boss on PostgreSQL: one queue, `insert` for the bulk, `work` fetching `concurrency` jobs a batch and again at once after a full one. */
export const pgBoss: PeerSystem = {
  name: 'pg-boss',
  version: async () => installedVersion('pg-boss'),
  settings: (concurrency, leaseMs) => ({
    'bulk create': `insert() of ${CHUNK} jobs a call, startAfter = due time`,
    'per process': `one work() with batchSize ${concurrency}, includeMetadata (for the attempt number); the batch's jobs run at once; after a full batch notifyWorker() so it fetches again at once, after a shorter one pollingIntervalSeconds ${POLLING_SECONDS} (the minimum)`,
    expiry: `queue expireInSeconds ${Math.ceil(leaseMs / 1_000)}, retryLimit ${RETRY_LIMIT}, maintenanceIntervalSeconds ${MAINTENANCE_SECONDS} (supervise on each process)`,
  }),
  schedulesEveryMs: 60_000,
  cronSchedules:
    'pg-boss 10 keeps one schedule per queue: K cron schedules would be K queues, each polled by every process',
  recoversKilledJobs: true,
  async deploy(servers, leaseMs): Promise<PeerDeployment> {
    const PgBoss = await load();
    const { db, server } = await freshPostgres(servers.postgres);
    const boss = new PgBoss({ connectionString: db.url, supervise: false, schedule: false, max: 2 });
    try {
      await boss.start();
      await boss.createQueue(QUEUE, {
        name: QUEUE,
        retryLimit: RETRY_LIMIT,
        expireInSeconds: Math.max(1, Math.ceil(leaseMs / 1_000)),
      });
    } catch (error) {
      await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
      await db.drop();
      throw error;
    }
    return {
      target: { url: db.url, prefix: '' },
      server,
      async createJobs(jobs: readonly PeerJob[]) {
        for (let from = 0; from < jobs.length; from += CHUNK) {
          await boss.insert(
            jobs.slice(from, from + CHUNK).map((job) => ({ name: QUEUE, data: job, startAfter: new Date(job.fireAt) })),
          );
        }
      },
      createSchedules() {
        return Promise.reject(new Error('pg-boss runs neither the recurring nor the cron workload'));
      },
      async drop() {
        await boss.stop({ graceful: false, wait: true });
        await db.drop();
      },
    };
  },
};

/** Starts the pg-boss worker of one bench process; resolves with its stop function once it polls. */
export async function startPgBossWorker(
  config: PeerWorkerConfig,
  handle: (run: RecordedRun, ms: number) => Promise<void>,
  onError: (error: unknown) => void,
): Promise<() => Promise<void>> {
  const PgBoss = await load();
  const boss = new PgBoss({
    connectionString: config.url,
    supervise: true,
    maintenanceIntervalSeconds: MAINTENANCE_SECONDS,
    schedule: false,
    migrate: false,
    max: 4,
  });
  boss.on('error', onError);
  await boss.start();
  // A pg-boss worker waits its polling interval after every batch unless notified: a full batch
  // notifies its own worker, so it fetches the next batch as soon as this one ends.
  const worker: { id?: string } = {};
  worker.id = await boss.work<PeerJob>(
    QUEUE,
    { batchSize: config.concurrency, pollingIntervalSeconds: POLLING_SECONDS, includeMetadata: true },
    async (jobs) => {
      if (worker.id !== undefined && jobs.length === config.concurrency) boss.notifyWorker(worker.id);
      await Promise.all(
        jobs.map((job) =>
          handle(
            { taskId: job.data.id, scheduleId: null, fireAt: job.data.fireAt, attempt: job.retryCount + 1 },
            job.data.ms,
          ),
        ),
      );
    },
  );
  return () => boss.stop({ graceful: true, wait: true, timeout: 10_000 });
}
