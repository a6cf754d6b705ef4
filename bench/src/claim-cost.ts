/**
 * `npm run bench:claim -- --db <spec> --unrunnable 100000`: the cost of one task claim beside a
 * backlog of pending tasks whose executor no node offers. On a fresh database it stores
 * `--unrunnable` due tasks of executor `nobody` (due before every runnable one, so a claim that
 * walked the tasks in due order would step over all of them) and `--claims` × `--batch` due
 * tasks of executor `noop`, runs `ANALYZE` as a database in service would have, then times
 * `--claims` claims of `--batch` tasks for `noop`, one after another, and prints the median and
 * p99 milliseconds per claim.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_POLICIES, type Schedule } from '@rookery/core';
import { createSqlDatastore, type SqlDatastore } from '@rookery/datastore-sql';
import { createBenchDatabase } from './databases.js';
import { integer } from './options.js';
import { distribution } from './stats.js';

const USAGE = `npm run bench:claim -- [--db sqlite|<admin URL>] [--unrunnable 100000] [--future 0] [--claims 200] [--batch 20] [--due-per-claim <batch>]`;

/** Fire times written per peel while filling the table. */
const PEEL_ROWS = 1_000;

/** Stores `count` due pending tasks of `executor`, due from `firstDueAt` one ms apart, through the datastore's own peel. */
async function storeDueTasks(store: SqlDatastore, executor: string, count: number, firstDueAt: number): Promise<void> {
  if (count === 0) return;
  const now = await store.clockNow();
  const id = crypto.randomUUID();
  const schedule: Schedule = await store.scheduleCreate({
    id,
    name: `claim-cost-${id}`,
    executor,
    payload: {},
    trigger: { kind: 'once', at: firstDueAt },
    startAt: null,
    endAt: null,
    policies: structuredClone(DEFAULT_POLICIES),
    state: 'active',
    clientId: null,
    validation: null,
    nextFireAt: now,
    gateTaskId: null,
    leaseOwner: null,
    leaseExpiresAt: null,
    fence: 0,
    createdAt: now,
    updatedAt: now,
  });
  for (let done = 0; done < count; done += PEEL_ROWS) {
    const [claimed] = await store.scheduleClaimDue({ owner: 'bench', limit: 1, lookaheadMs: 0, leaseMs: 60_000 });
    if (claimed?.id !== schedule.id)
      throw new Error(`bench: the filling schedule could not be claimed after ${done} tasks`);
    const rows = Math.min(PEEL_ROWS, count - done);
    const tasks = Array.from({ length: rows }, (_, i) => {
      const at = firstDueAt + done + i;
      return {
        id: crypto.randomUUID(),
        fireAt: at,
        spanEndAt: null,
        spanCount: 1,
        dueAt: at,
        deadlineAt: null,
        state: 'pending' as const,
        reason: null,
      };
    });
    const [peeled] = await store.schedulePeelMany({
      peels: [
        {
          scheduleId: schedule.id,
          owner: 'bench',
          fence: claimed.fence,
          tasks,
          nextFireAt: done + rows < count ? now : null,
          gateTaskId: null,
          nodeId: 'bench',
        },
      ],
    });
    if (!peeled?.ok) throw new Error('bench: a filling peel lost its lease');
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      db: { type: 'string', default: 'sqlite' },
      unrunnable: { type: 'string', default: '100000' },
      claims: { type: 'string', default: '200' },
      batch: { type: 'string', default: '20' },
      future: { type: 'string', default: '0' },
      'due-per-claim': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const unrunnable = integer('unrunnable', values.unrunnable, 100_000, 0, Number.MAX_SAFE_INTEGER);
  const claims = integer('claims', values.claims, 200, 0, Number.MAX_SAFE_INTEGER);
  const batch = integer('batch', values.batch, 20, 0, Number.MAX_SAFE_INTEGER);
  const future = integer('future', values.future, 0, 0, Number.MAX_SAFE_INTEGER);
  const duePerClaim = integer('due-per-claim', values['due-per-claim'], batch, 1, batch);
  const db = await createBenchDatabase(values.db);
  const store = await createSqlDatastore({ url: db.url });
  try {
    const now = await store.clockNow();
    await storeDueTasks(store, 'nobody', unrunnable, now - 3_600_000);
    await storeDueTasks(store, 'noop', future, now + 86_400_000);
    const ahead = duePerClaim === batch;
    if (ahead) await storeDueTasks(store, 'noop', claims * batch, now - 60_000);
    if (db.dialect === 'postgres') await store.sequelize.query('ANALYZE rookery_tasks');
    else if (db.dialect === 'mariadb') await store.sequelize.query('ANALYZE TABLE rookery_tasks');
    const samples: number[] = [];
    for (let i = 0; i < claims; i += 1) {
      if (!ahead) await storeDueTasks(store, 'noop', duePerClaim, now - 60_000);
      const started = performance.now();
      const claimed = await store.taskClaimDue({
        owner: 'bench',
        nodeId: 'bench',
        limit: batch,
        leaseMs: 60_000,
        executors: ['noop'],
      });
      samples.push(performance.now() - started);
      if (claimed.started.length !== duePerClaim)
        throw new Error(`bench: claim ${i} started ${claimed.started.length} tasks, not ${duePerClaim}`);
    }
    const d = distribution(samples);
    console.log(
      `${db.dialect}: ${claims} claims of ${duePerClaim} (limit ${batch}) beside ${unrunnable} unrunnable and ${future} future pending tasks: median ${d.p50.toFixed(2)} ms, p99 ${d.p99.toFixed(2)} ms per claim`,
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
