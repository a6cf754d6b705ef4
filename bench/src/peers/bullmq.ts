import type * as BullMq from 'bullmq';
import type * as IoRedis from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { RecordedRun } from './recorder.js';
import { installedVersion } from './installed-version.js';
import type { PeerDeployment, PeerJob, PeerSchedule, PeerSystem, PeerWorkerConfig } from './peer.js';

/** The queue every BullMQ job of the bench goes to. */
const QUEUE = 'bench-noop';

/** Jobs per `addBulk` call. */
const CHUNK = 5_000;

/** How often a worker looks for jobs whose lock expired (stalled), ms. */
const STALLED_INTERVAL_MS = 1_000;

/** Attempts in all (stalls are counted apart, by maxStalledCount). */
const ATTEMPTS = 3;

/** The data of a BullMQ job of the bench: a one-shot job, or a scheduler's (no id or due time: the scheduler sets them). */
type BullJobData = PeerJob | { scheduleId: string; ms: number };

async function load(): Promise<{ bullmq: typeof BullMq; Redis: typeof IoRedis.Redis }> {
  const bullmq = await import('bullmq');
  const { Redis } = await import('ioredis');
  return { bullmq, Redis };
}

/** The due time of a job a job scheduler made: the millis ending its id (`repeat:<scheduler>:<millis>`), or its timestamp plus delay. */
function schedulerFireAt(job: { id?: string | undefined; timestamp: number; delay: number }): number {
  const millis = Number(job.id?.slice(job.id.lastIndexOf(':') + 1));
  return Number.isSafeInteger(millis) && millis > 0 ? millis : job.timestamp + job.delay;
}

/** BullMQ on Redis: a fresh key prefix, `addBulk` for the bulk, job schedulers for every-second schedules. */
export const bullmq: PeerSystem = {
  name: 'bullmq',
  version: async () => `${installedVersion('bullmq')} (ioredis ${installedVersion('ioredis')})`,
  settings: (concurrency, leaseMs) => ({
    'bulk create': `Queue.addBulk() of ${CHUNK} jobs a call, delay = due time - now, removeOnComplete, attempts ${ATTEMPTS}; every-second schedules: upsertJobScheduler({ every: 1000, startDate, limit }); cron: upsertJobScheduler({ pattern: '* * * * *', tz: 'UTC', startDate, limit })`,
    'per process': `one Worker with concurrency ${concurrency} on its own ioredis connection (maxRetriesPerRequest null)`,
    expiry: `lockDuration ${leaseMs} ms, stalledInterval ${STALLED_INTERVAL_MS} ms, maxStalledCount 2`,
  }),
  schedulesEveryMs: 1,
  cronSchedules: true,
  recoversKilledJobs: true,
  async deploy(servers): Promise<PeerDeployment> {
    const { bullmq: lib, Redis } = await load();
    const probe = new Redis(servers.redis, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    await probe.connect();
    const prefix = `rookery-bench-${randomBytes(6).toString('hex')}`;
    const connection = new Redis(servers.redis, { maxRetriesPerRequest: null });
    const queue = new lib.Queue<BullJobData>(QUEUE, { connection, prefix });
    const host = probe.options.host ?? '127.0.0.1';
    return {
      target: { url: servers.redis, prefix },
      server: {
        counterSource: 'Redis INFO total_commands_processed (server-wide)',
        async readCounter() {
          const info = await probe.info('stats');
          return Number(/^total_commands_processed:(\d+)/m.exec(info)?.[1] ?? Number.NaN);
        },
        processNames: ['127.0.0.1', 'localhost', '::1'].includes(host) ? ['redis-server'] : undefined,
      },
      async createJobs(jobs: readonly PeerJob[]) {
        for (let from = 0; from < jobs.length; from += CHUNK) {
          const now = Date.now();
          await queue.addBulk(
            jobs.slice(from, from + CHUNK).map((job) => ({
              name: 'noop',
              data: job,
              opts: { delay: Math.max(0, job.fireAt - now), removeOnComplete: true, attempts: ATTEMPTS },
            })),
          );
        }
      },
      async createSchedules(schedules: readonly PeerSchedule[]) {
        for (const s of schedules) {
          // A cron pattern's first fire is the first match after startDate, exclusive: start a millisecond before.
          const repeat =
            s.cron === null
              ? { every: s.everyMs, startDate: s.startAt }
              : { pattern: s.cron, tz: 'UTC', startDate: s.startAt - 1 };
          await queue.upsertJobScheduler(
            s.id,
            { ...repeat, limit: s.count },
            {
              name: 'noop',
              data: { scheduleId: s.id, ms: s.ms },
              opts: { removeOnComplete: true, attempts: ATTEMPTS },
            },
          );
        }
      },
      async drop() {
        await queue.obliterate({ force: true });
        await queue.close();
        // Whatever obliterate left under the run's own prefix (nothing else is touched).
        let cursor = '0';
        do {
          const [next, keys] = await probe.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1_000);
          if (keys.length > 0) await probe.del(...keys);
          cursor = next;
        } while (cursor !== '0');
        connection.disconnect();
        probe.disconnect();
      },
    };
  },
};

/** Starts the BullMQ worker of one bench process; resolves with its stop function once it is connected. */
export async function startBullmqWorker(
  config: PeerWorkerConfig,
  handle: (run: RecordedRun, ms: number) => Promise<void>,
  onError: (error: unknown) => void,
): Promise<() => Promise<void>> {
  const { bullmq: lib, Redis } = await load();
  const connection = new Redis(config.url, { maxRetriesPerRequest: null });
  const worker = new lib.Worker<BullJobData>(
    QUEUE,
    async (job) => {
      const data = job.data;
      // attemptsStarted counts the starts after a stall too (attemptsMade counts failures only).
      const attempt = Math.max(job.attemptsStarted, job.attemptsMade + 1);
      if ('scheduleId' in data)
        await handle(
          { taskId: job.id ?? 'unknown', scheduleId: data.scheduleId, fireAt: schedulerFireAt(job), attempt },
          data.ms,
        );
      else await handle({ taskId: data.id, scheduleId: null, fireAt: data.fireAt, attempt }, data.ms);
    },
    {
      connection,
      prefix: config.prefix,
      concurrency: config.concurrency,
      lockDuration: config.leaseMs,
      stalledInterval: STALLED_INTERVAL_MS,
      maxStalledCount: 2,
    },
  );
  worker.on('error', onError);
  await worker.waitUntilReady();
  return async () => {
    await worker.close();
    connection.disconnect();
  };
}
