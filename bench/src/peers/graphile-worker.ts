import type * as GraphileWorker from 'graphile-worker';
import type { RecordedRun } from './recorder.js';
import { installedVersion } from './installed-version.js';
import type { PeerDeployment, PeerJob, PeerSystem, PeerWorkerConfig } from './peer.js';
import { freshPostgres } from './postgres-server.js';

/** The task identifier of the bench's jobs. */
const TASK = 'noop';

/** Jobs per `addJobs` call. */
const CHUNK = 5_000;

/** How often a worker polls for jobs that fell due (new jobs come by LISTEN/NOTIFY), ms. */
const POLL_MS = 500;

/** Attempts in all. */
const MAX_ATTEMPTS = 3;

/** The payload graphile-worker gives a crontab item's job: the item's own, plus the fire time. */
interface CronPayload {
  scheduleId: string;
  ms: number;
  _cron: { ts: string; backfilled?: boolean };
}

async function load(): Promise<typeof GraphileWorker> {
  return import('graphile-worker');
}

/** graphile-worker on PostgreSQL: `addJobs` for the bulk, `run` with `concurrency` jobs at once. */
export const graphileWorker: PeerSystem = {
  name: 'graphile-worker',
  version: async () => installedVersion('graphile-worker'),
  settings: (concurrency) => ({
    'bulk create': `WorkerUtils.addJobs() of ${CHUNK} jobs a call, runAt = due time, maxAttempts ${MAX_ATTEMPTS}`,
    'per process': `run() with concurrency ${concurrency}, maxPoolSize ${concurrency + 2} (the documented concurrency + 2), LISTEN/NOTIFY (its default), pollInterval ${POLL_MS} ms`,
    expiry: "a crashed worker's locked jobs are freed after 4 h (fixed in graphile-worker)",
    cron: "K crontab items '* * * * *' (parsedCronItems, no backfill) in every worker; the fires before the run's first minute are not counted",
  }),
  schedulesEveryMs: 60_000,
  cronSchedules: true,
  recoversKilledJobs: "graphile-worker frees a crashed worker's locked jobs after 4 hours (fixed)",
  async deploy(servers): Promise<PeerDeployment> {
    const { makeWorkerUtils } = await load();
    const { db, server } = await freshPostgres(servers.postgres);
    let utils: Awaited<ReturnType<typeof makeWorkerUtils>>;
    try {
      utils = await makeWorkerUtils({ connectionString: db.url });
      await utils.migrate();
    } catch (error) {
      await db.drop();
      throw error;
    }
    return {
      target: { url: db.url, prefix: '' },
      server,
      async createJobs(jobs: readonly PeerJob[]) {
        for (let from = 0; from < jobs.length; from += CHUNK) {
          await utils.addJobs(
            jobs.slice(from, from + CHUNK).map((job) => ({
              identifier: TASK,
              payload: job,
              runAt: new Date(job.fireAt),
              maxAttempts: MAX_ATTEMPTS,
            })),
          );
        }
      },
      createSchedules(schedules) {
        // graphile-worker's crontab lives in its workers (PeerWorkerConfig.cronSchedules): nothing to create here.
        if (schedules.some((s) => s.cron !== '* * * * *'))
          return Promise.reject(
            new Error(
              "graphile-worker's crontab fires at most once a minute: only '* * * * *' schedules are run on it",
            ),
          );
        return Promise.resolve();
      },
      async drop() {
        await utils.release();
        await db.drop();
      },
    };
  },
};

/** Starts the graphile-worker runner of one bench process; resolves with its stop function. */
export async function startGraphileWorker(
  config: PeerWorkerConfig,
  handle: (run: RecordedRun, ms: number) => Promise<void>,
  onError: (error: unknown) => void,
): Promise<() => Promise<void>> {
  const { run, Logger, parseCronItems } = await load();
  const cron = parseCronItems(
    Array.from({ length: config.cronSchedules }, (_, i) => ({
      task: TASK,
      match: '* * * * *',
      identifier: `c${i}`,
      payload: { scheduleId: `c${i}`, ms: config.taskMs },
    })),
  );
  const logger = new Logger(() => (level, message) => {
    if (level === 'error') onError(new Error(message));
  });
  const runner = await run({
    connectionString: config.url,
    concurrency: config.concurrency,
    maxPoolSize: config.concurrency + 2,
    pollInterval: POLL_MS,
    noHandleSignals: true,
    logger,
    parsedCronItems: cron,
    taskList: {
      [TASK]: async (payload, helpers) => {
        const job = payload as PeerJob | CronPayload;
        const attempt = helpers.job.attempts;
        if ('_cron' in job)
          await handle(
            { taskId: helpers.job.id, scheduleId: job.scheduleId, fireAt: Date.parse(job._cron.ts), attempt },
            job.ms,
          );
        else await handle({ taskId: job.id, scheduleId: null, fireAt: job.fireAt, attempt }, job.ms);
      },
    },
  });
  runner.promise.catch(onError);
  return () => runner.stop();
}
