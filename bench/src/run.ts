import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkHistory, RookeryClient, type FaultRecord, type Schedule, type Task, type TaskEvent } from '@rookery/core';
import { createSqlDatastore, type SqlDatastore } from '@rookery/datastore-sql';
import { pgWakeSignals, type PgWakeSignals } from '@rookery/messaging';
import { isRunning, startBenchNode, stopBenchNode, type BenchNode } from './cluster.js';
import { createBenchDatabase } from './databases.js';
import { counterDelta, serverProcessNames, transactionCounter, type CounterReading } from './db-counters.js';
import { HistoryTail, occurrenceOf } from './history-tail.js';
import type { BenchOptions } from './options.js';
import { cpuBetween, cpuMs, cpuSnapshot, peakRssBytes, pidsNamed, type CpuSnapshot } from './procfs.js';
import type { BenchResult } from './result.js';
import { failoverFigures } from './failover.js';
import { distribution } from './stats.js';
import {
  dueInputs,
  dueJobs,
  dueScheduleCount,
  expectedWork,
  firstDueAt,
  LATER_MS,
  laterJobs,
  storedInputs,
} from './workloads.js';

/**
 * Brings the server's planner statistics up to date after the bulk creation, as autovacuum
 * (PostgreSQL) or InnoDB's automatic statistics (MariaDB) would on a database in service: a
 * table created a moment ago has none, and the figures are about a cluster in service, not about
 * a database's first minute. SQLite plans without statistics.
 */
async function analyzeTables(store: SqlDatastore, dialect: string): Promise<void> {
  const tables = ['rookery_schedules', 'rookery_tasks', 'rookery_task_events'];
  if (dialect === 'postgres') await store.sequelize.query(`ANALYZE ${tables.join(', ')}`);
  else if (dialect === 'mariadb') await store.sequelize.query(`ANALYZE TABLE ${tables.join(', ')}`);
}

/** Schedules per `createSchedules` call of the `stored` workload (each call validates its own inputs first). */
const STORED_CHUNK = 10_000;

/** Jobs per `enqueueMany` call of the `burst` and `spread` workloads. */
const JOB_CHUNK = 5_000;

/** Tells the user what the bench is doing (stderr, so `--json` output stays clean). */
export type Progress = (line: string) => void;

/** What a node had used when it was last measured (before it was killed, or at the end). */
interface NodeFigures {
  cpuMs: number;
  peakRss: number;
}

function measureNode(node: BenchNode): NodeFigures {
  const cpu = cpuMs(node.pid);
  const rss = peakRssBytes(node.pid);
  if (cpu === undefined || rss === undefined)
    throw new Error(
      `node ${node.id} (pid ${node.pid}) ended before it was measured; its last output:\n${node.tail.join('\n')}`,
    );
  return { cpuMs: cpu, peakRss: rss };
}

/** The tasks (at most `limit`) fired before `before` and their events. */
async function ledger(
  store: SqlDatastore,
  limit: number,
  before: number,
): Promise<{ tasks: Task[]; events: TaskEvent[] }> {
  const tasks = await store.taskList({ limit, before: { fireAt: before, id: '' } });
  const events: TaskEvent[] = [];
  for (let i = 0; i < tasks.length; i += 50) {
    const chunk = await Promise.all(tasks.slice(i, i + 50).map((t) => store.taskEvents(t.id)));
    for (const e of chunk) events.push(...e);
  }
  return { tasks, events };
}

/**
 * Runs one bench: a fresh database, `options.nodes` `rookery node` processes running the
 * recording no-op executor, the workload's schedules created in bulk, the cluster measured
 * from the first due time until every due task has ended (or the timeout), then stopped, the
 * history checked against the ledger and the database dropped.
 */
export async function runBench(options: BenchOptions, progress: Progress): Promise<BenchResult> {
  const db = await createBenchDatabase(options.db);
  const dir = await mkdtemp(join(tmpdir(), 'rookery-bench-history-'));
  const history = join(dir, 'history.jsonl');
  const nodes: BenchNode[] = [];
  const warnings: string[] = [];
  let store: SqlDatastore | undefined;
  // On PostgreSQL the client announces its schedules, as the nodes (`--wake-signals auto`) listen.
  let signals: PgWakeSignals | undefined;
  try {
    store = await createSqlDatastore({ url: db.url });
    if (db.dialect === 'postgres')
      signals = pgWakeSignals({ url: db.url, onError: (error) => warnings.push(`wake signals: ${String(error)}`) });
    const client = new RookeryClient({ datastore: store, ...(signals ? { wakeSignals: signals } : {}) });
    const settings = {
      url: db.url,
      history,
      concurrency: options.concurrency,
      leaseMs: options.leaseMs,
      claimPaceMs: options.claimPaceMs,
      cpuProfDir: options.cpuProfDir,
    };
    for (let i = 1; i <= options.nodes; i += 1) nodes.push(startBenchNode(settings, `b${i}`));
    const registered = Date.now() + 60_000;
    while ((await store.nodeList()).length < options.nodes) {
      const dead = nodes.find((n) => !isRunning(n));
      if (dead) throw new Error(`node ${dead.id} exited while starting; its last output:\n${dead.tail.join('\n')}`);
      if (Date.now() > registered) throw new Error(`the ${options.nodes} nodes did not register within 60 s`);
      await sleep(100);
    }
    progress(`${options.nodes} node(s) running on ${db.dialect}`);

    const created = { schedules: 0, jobs: 0, ms: 0 };
    if (options.workload === 'stored') {
      const began = performance.now();
      const now = await store.clockNow();
      for (let from = 0; from < options.schedules; from += STORED_CHUNK) {
        await client.createSchedules(storedInputs(from, Math.min(options.schedules, from + STORED_CHUNK), now));
        progress(`stored ${Math.min(options.schedules, from + STORED_CHUNK)} of ${options.schedules} schedules`);
      }
      created.schedules += options.schedules;
      created.ms += performance.now() - began;
    }
    const laterAt = (await store.clockNow()) + LATER_MS;
    if (options.later > 0) {
      const began = performance.now();
      const later = laterJobs(options, laterAt);
      for (let from = 0; from < later.length; from += JOB_CHUNK) {
        await client.enqueueMany(later.slice(from, from + JOB_CHUNK));
        progress(`enqueued ${Math.min(later.length, from + JOB_CHUNK)} of ${later.length} jobs due later`);
      }
      created.jobs += later.length;
      created.ms += performance.now() - began;
    }
    const began = performance.now();
    const t0 = firstDueAt(
      options,
      (await store.clockNow()) + (options.leadMs ?? Math.round(2_000 + 0.25 * dueScheduleCount(options))),
    );
    const inputs = dueInputs(options, t0);
    const schedules: Schedule[] = await client.createSchedules(inputs);
    created.schedules += inputs.length;
    const jobs = dueJobs(options, t0);
    const jobIds: string[] = [];
    for (let from = 0; from < jobs.length; from += JOB_CHUNK) {
      for (const { task } of await client.enqueueMany(jobs.slice(from, from + JOB_CHUNK))) jobIds.push(task.id);
    }
    created.jobs += jobs.length;
    created.ms += performance.now() - began;
    await analyzeTables(store, db.dialect);
    const expected = expectedWork(options, t0);
    const slotsNeeded = (expected.count / Math.max(1, (expected.lastDueAt - t0) / 1_000)) * (options.taskMs / 1_000);
    const slotsLeft = (options.workload === 'failover' ? options.nodes - 1 : options.nodes) * options.concurrency;
    if (options.workload !== 'burst' && slotsNeeded > slotsLeft) {
      warnings.push(
        `the workload keeps about ${Math.ceil(slotsNeeded)} tasks running but the cluster has ${slotsLeft} slots${options.workload === 'failover' ? ' after the kill' : ''}: tasks queue, and lateness and recovery include the queueing`,
      );
    }
    const overran = Date.now() - t0;
    if (overran > 0)
      warnings.push(
        `creating the schedules ended ${overran} ms after the first due time, and the lateness includes it; raise --lead-ms`,
      );
    progress(
      `${inputs.length} schedule(s) and ${jobs.length} job(s) created; ${expected.count} fire times due from ${new Date(t0).toISOString()} to ${new Date(expected.lastDueAt).toISOString()}`,
    );

    const counter = transactionCounter(db);
    const serverNames = serverProcessNames(db);
    const countersBefore: CounterReading | undefined = await counter?.read();
    const serverBefore: CpuSnapshot | undefined = serverNames && cpuSnapshot(pidsNamed(serverNames));
    const nodesBefore = new Map(nodes.map((n) => [n.id, measureNode(n).cpuMs]));
    const measuredFrom = performance.now();

    const faults: FaultRecord[] = [];
    const final = new Map<string, NodeFigures>();
    // failover: the first node is SIGKILLed at W/3 (by the wait loop below, within its 200 ms step).
    let victim = options.workload === 'failover' ? nodes[0] : undefined;
    const killAt = t0 + Math.round((options.seconds * 1_000) / 3);
    const kill = async (node: BenchNode): Promise<void> => {
      final.set(node.id, measureNode(node));
      const at = Date.now();
      node.child.kill('SIGKILL');
      await node.exited;
      faults.push({ nodeId: node.id, at, kind: 'kill' });
      progress(`killed ${node.id} (SIGKILL) at +${at - t0} ms`);
    };

    const tail = new HistoryTail(history);
    const deadline = Math.max(expected.lastDueAt, t0 + options.seconds * 1_000) + options.timeoutSeconds * 1_000;
    let reported = Date.now();
    for (;;) {
      if (victim && Date.now() >= killAt) {
        await kill(victim);
        victim = undefined;
      }
      tail.poll();
      const settled =
        tail.completed >= expected.count &&
        (options.workload !== 'stored' || Date.now() >= t0 + options.seconds * 1_000);
      if (settled) break;
      if (Date.now() > deadline) {
        warnings.push(
          `timed out after ${options.timeoutSeconds} s with ${expected.count - tail.completed} of ${expected.count} fire times not completed`,
        );
        break;
      }
      if (Date.now() - reported > 5_000) {
        progress(`${tail.completed} of ${expected.count} completed`);
        reported = Date.now();
      }
      await sleep(200);
    }
    if (victim) warnings.push(`every task ended before the kill at W/3: nothing was measured of a failover`);
    const measuredMs = performance.now() - measuredFrom;
    for (const n of nodes) if (isRunning(n)) final.set(n.id, measureNode(n));
    const serverAfter = serverNames && cpuSnapshot(pidsNamed(serverNames));
    progress('stopping the nodes');
    await Promise.all(nodes.map((n) => stopBenchNode(n)));
    // PostgreSQL backends report their counts when they exit: read after the nodes stopped.
    const countersAfter = await counter?.read();
    tail.poll();

    progress('checking the history against the ledger');
    const { tasks, events } = await ledger(store, expected.count * 2 + 1_000, laterAt);
    const report = checkHistory({
      records: tail.records,
      tasks,
      events,
      schedules,
      faults,
      from: t0,
      to: expected.lastDueAt,
      // Lateness is measured here, not judged: nothing counts as late.
      lateAfterMs: 86_400_000,
      ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
    });
    if (options.historyOut !== undefined) {
      await writeFile(options.historyOut, JSON.stringify({ records: tail.records, events, faults, report }));
    }
    const completedIds = new Set(tasks.flatMap((t) => (t.state === 'completed' ? [t.id] : [])));
    const firstStart = new Map<string, number>();
    const startCount = new Map<string, number>();
    let lastEnd = t0;
    for (const r of tail.records) {
      const key = occurrenceOf(r);
      if (r.kind === 'start') {
        startCount.set(key, (startCount.get(key) ?? 0) + 1);
        const lateness = r.at - r.fireAt;
        const seen = firstStart.get(key);
        if (seen === undefined || lateness < seen) firstStart.set(key, lateness);
      } else if (r.ok) lastEnd = Math.max(lastEnd, r.at);
    }
    const completed = tail.completed;
    const perTask = (value: number): number => (completed > 0 ? value / completed : Number.NaN);
    const perSecond = (value: number): number => value / (measuredMs / 1_000);
    const nodeCpu = nodes.reduce((sum, n) => sum + ((final.get(n.id)?.cpuMs ?? 0) - (nodesBefore.get(n.id) ?? 0)), 0);
    let dbTransactions: BenchResult['dbTransactions'] = null;
    if (counter && countersBefore && countersAfter) {
      const delta = counterDelta(countersBefore, countersAfter);
      const main = delta[counter.main] ?? Number.NaN;
      dbTransactions = { source: counter.source, perTask: perTask(main), perSecond: perSecond(main), counters: delta };
    }
    const dbCpuMs = serverBefore && serverAfter ? cpuBetween(serverBefore, serverAfter) : undefined;
    const durationMs = lastEnd - t0;
    return {
      workload: options.workload,
      db: db.dialect,
      nodes: options.nodes,
      concurrency: options.concurrency,
      parameters: {
        tasks: ['burst', 'spread', 'failover'].includes(options.workload) ? options.tasks : null,
        seconds: options.workload === 'burst' ? null : options.seconds,
        schedules: ['recurring', 'cron', 'stored'].includes(options.workload) ? options.schedules : null,
        due: options.workload === 'stored' ? options.due : null,
        later: options.later > 0 ? options.later : null,
        taskMs: options.taskMs,
        leaseMs: options.leaseMs ?? null,
        claimPaceMs: options.claimPaceMs ?? null,
        busyLoops: options.busy > 0 ? options.busy : null,
      },
      created: { schedules: created.schedules, jobs: created.jobs, ms: Math.round(created.ms) },
      expected: expected.count,
      completed,
      durationMs,
      tasksPerSecond: durationMs > 0 ? completed / (durationMs / 1_000) : Number.NaN,
      latenessMs: distribution([...firstStart.values()]),
      dbTransactions,
      nodeCpu: { perTaskMs: perTask(nodeCpu), perSecondMs: perSecond(nodeCpu) },
      dbCpu:
        dbCpuMs === undefined || !serverAfter
          ? null
          : { perTaskMs: perTask(dbCpuMs), perSecondMs: perSecond(dbCpuMs), processes: serverAfter.size },
      nodePeakRssMiB: Object.fromEntries(
        nodes.map((n) => [n.id, (final.get(n.id)?.peakRss ?? Number.NaN) / 1_048_576]),
      ),
      // A job is lost when its task did not complete (the history check finds the lost fire times of schedules).
      lost: report.lost.length + jobIds.filter((id) => !completedIds.has(id)).length,
      duplicated: report.duplicateCompletions.length,
      reruns: [...startCount.values()].filter((c) => c > 1).length,
      recoveryMs:
        options.workload === 'failover'
          ? distribution(report.recoveries.flatMap((r) => (r.ms === null ? [] : [r.ms])))
          : null,
      failover: faults[0] ? failoverFigures(tail.records, faults[0].nodeId, faults[0].at) : null,
      generalErrors: nodes.reduce((sum, n) => sum + n.errors, 0),
      warnings,
    };
  } finally {
    for (const n of nodes) if (isRunning(n)) n.child.kill('SIGKILL');
    await Promise.all(nodes.map((n) => n.exited));
    await signals?.close();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
    await db.drop();
  }
}
