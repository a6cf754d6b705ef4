/**
 * `node bench/dist/enqueue-rate.js --db <spec> --jobs 100000 --batch 5000 [--keyed]`: how many
 * jobs a second `RookeryClient.enqueueMany` writes. On a fresh database it enqueues `--jobs`
 * jobs in calls of `--batch`, one call after another from one process, each call one
 * transaction; with `--keyed` every job has its own dedupe key (the live-key index is written
 * too). Prints the jobs per second over the whole run, and the median and p99 ms per call.
 */
import { parseArgs } from 'node:util';
import { RookeryClient, type JobInput } from '@rookery/core';
import { createSqlDatastore } from '@rookery/datastore-sql';
import { createBenchDatabase } from './databases.js';
import { integer } from './options.js';
import { distribution } from './stats.js';

const USAGE = 'node bench/dist/enqueue-rate.js [--db sqlite|<admin URL>] [--jobs 100000] [--batch 5000] [--keyed]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      db: { type: 'string', default: 'sqlite' },
      jobs: { type: 'string', default: '100000' },
      batch: { type: 'string', default: '5000' },
      keyed: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const jobs = integer('jobs', values.jobs, 100_000, 1, Number.MAX_SAFE_INTEGER);
  const batch = integer('batch', values.batch, 5_000, 1, Number.MAX_SAFE_INTEGER);
  const db = await createBenchDatabase(values.db);
  const store = await createSqlDatastore({ url: db.url });
  try {
    const client = new RookeryClient({ datastore: store, builtInExecutors: ['noop'] });
    const samples: number[] = [];
    const started = performance.now();
    for (let done = 0; done < jobs; done += batch) {
      const inputs: JobInput[] = Array.from({ length: Math.min(batch, jobs - done) }, (_, i) => ({
        executor: 'noop',
        payload: { n: done + i },
        ...(values.keyed ? { key: `job-${done + i}` } : {}),
      }));
      const call = performance.now();
      const answers = await client.enqueueMany(inputs);
      samples.push(performance.now() - call);
      if (answers.some((a) => !a.created)) throw new Error('bench: a job was not created');
    }
    const seconds = (performance.now() - started) / 1000;
    const d = distribution(samples);
    console.log(
      `${db.dialect}: ${jobs} jobs${values.keyed ? ' with keys' : ''} in calls of ${batch}: ${Math.round(jobs / seconds)} jobs/s;` +
        ` median ${d.p50.toFixed(1)} ms, p99 ${d.p99.toFixed(1)} ms per call`,
    );
  } finally {
    await store.close();
    await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
