import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkHistory,
  RookeryClient,
  seededRandom,
  type FaultRecord,
  type HistoryReport,
  type TaskEvent,
} from '@rookery/core';
import { createSqlDatastore } from '@rookery/datastore-sql';
import type { TestDialect } from '../../../packages/datastore-sql/test/helpers/test-databases.js';
import { RECORDING_FUNCTIONS, readHistory, waitUntil } from '../cluster.js';
import { FaultProxy } from '../fault-proxy.js';
import { printNodeErrors, printReport } from '../report.js';
import { LiveCluster } from './live-cluster.js';
import type { Nemesis } from './nemeses.js';
import { createWorkload, type WorkloadSize } from './workload.js';

/** How to run one scenario. */
export interface ScenarioOptions {
  /** Node processes. @defaultValue 3 */
  nodes?: number;
  /** Their lease, ms. @defaultValue 2 000 */
  leaseMs?: number;
  /** Worker slots per node. @defaultValue 20 */
  concurrency?: number;
  /** How long the nemesis injects faults, ms. */
  durationMs: number;
  /** The workload. */
  workload: WorkloadSize;
  /** Seed of the nemesis's random choices. */
  seed: number;
}

/** What a scenario produced. */
export interface ScenarioResult {
  /** The checker's verdict. */
  report: HistoryReport;
  /** The faults injected. */
  faults: FaultRecord[];
  /** Exit codes of the nodes stopped gracefully at the end. */
  exitCodes: (number | string)[];
  /** The nemesis's notes. */
  notes: string[];
  /** Tasks of the external (polled) schedules, and how many of them completed. */
  externals: { tasks: number; completed: number };
}

/**
 * Runs one fault scenario: starts the nodes on a fresh database, creates the mixed workload,
 * lets the nemesis inject faults for `durationMs`, heals (restarts dead nodes), waits a quiet
 * period of a lease plus a few seconds so every repair can happen, stops the nodes gracefully,
 * runs the history checker over the recorded attempts and the database, and prints the table.
 */
export async function runScenario(
  dialect: TestDialect,
  nemesis: Nemesis,
  options: ScenarioOptions,
): Promise<ScenarioResult> {
  const leaseMs = options.leaseMs ?? 2_000;
  const nodes = options.nodes ?? 3;
  const db = await dialect.create();
  const dir = await mkdtemp(join(tmpdir(), 'rookery-nemesis-'));
  const history = join(dir, 'history.jsonl');
  const store = await createSqlDatastore({ url: db.url });
  const settings = {
    db: db.url,
    ids: [],
    executors: [RECORDING_FUNCTIONS],
    history,
    leaseMs,
    concurrency: options.concurrency ?? 20,
  };
  // A proxied nemesis gets a fault proxy per slot, between that slot's nodes and the server.
  const proxies: FaultProxy[] = [];
  if (nemesis.proxied) {
    const server = new URL(db.url);
    for (let i = 0; i < nodes; i += 1)
      proxies.push(
        await FaultProxy.start({
          host: server.hostname,
          port: Number(server.port) || (dialect.label === 'postgres' ? 5432 : 3306),
        }),
      );
  }
  // `process` tasks need the built-in executor, with a kill grace that fits the short lease.
  const builtIns =
    (options.workload.processes ?? 0) > 0
      ? ['--builtin', 'process', '--kill-grace', `${Math.floor(leaseMs / 4)}ms`]
      : [];
  const nodeArgs = (slot: number): string[] => [...builtIns, ...(nemesis.nodeArgs?.(slot) ?? [])];
  const cluster = new LiveCluster(
    settings,
    nodes,
    nodeArgs,
    nemesis.proxied ? (slot) => proxies[slot]?.route(db.url) ?? db.url : undefined,
  );
  const notes: string[] = [];
  try {
    await waitUntil(async () => (await store.nodeList()).length >= nodes, 30_000, `${nodes} nodes to register`);
    const client = new RookeryClient({ datastore: store });
    const from = Date.now() + 1_000;
    const schedules = await createWorkload(client, options.workload, from, options.durationMs);
    const faults: FaultRecord[] = nemesis.standing?.(Date.now()) ?? [];
    const dbFile = dialect.label === 'sqlite' ? db.url.slice('sqlite:'.length) : undefined;
    await nemesis.run({
      cluster,
      dialect: dialect.label,
      dbFile,
      admin: store.sequelize,
      leaseMs,
      proxies,
      // The nemesis gets its whole duration even when creating the workload ran past `from`.
      until: Math.max(from, Date.now()) + options.durationMs,
      random: seededRandom(options.seed),
      faults,
      note: (line) => void notes.push(line),
    });
    // Heal: every slot runs again; then a quiet period long enough for every lease to expire
    // and be repaired (lease + repair interval + poll wait) and the repaired tasks to run.
    for (const proxy of proxies) proxy.heal();
    for (let i = 0; i < nodes; i += 1) {
      cluster.node(i).child.kill('SIGCONT');
      if (!cluster.alive(i)) cluster.restart(i);
    }
    const healedAt = Date.now();
    await new Promise((r) => setTimeout(r, leaseMs + 1_000 + 350 + 4_000));
    // A node restarted late may still be loading on a busy machine: a stop signal then ends it
    // as the signal would (not 0). Each is stopped once it has joined.
    await waitUntil(
      () => cluster.slots.every((n, i) => !cluster.alive(i) || n.output.join('').includes('"event":"nodeJoined"')),
      30_000,
      'every node to have joined',
    );
    const stopAt = Date.now();
    const exitCodes = await cluster.stopAll();
    const tasks = await store.taskList({ limit: 1_000_000 });
    const events: TaskEvent[] = [];
    for (const t of tasks) events.push(...(await store.taskEvents(t.id)));
    const lateAfterMs = leaseMs + 1_000 + 350;
    // Fire times after `to` may not have started when the nodes stopped.
    const to = Math.min(stopAt - lateAfterMs - 1_000, healedAt + 2_000);
    const report = checkHistory({
      records: readHistory(history),
      tasks,
      events,
      schedules,
      faults,
      from,
      to,
      lateAfterMs,
      leaseMs,
    });
    printReport(
      `${dialect.label} / ${nemesis.name}: ${nemesis.description}; ${nodes} nodes, lease ${leaseMs} ms, ${options.durationMs / 1000} s, seed ${options.seed}`,
      report,
      { from, to },
    );
    const counts = new Map<string, number>();
    for (const f of faults) counts.set(f.kind, (counts.get(f.kind) ?? 0) + 1);
    console.log(
      `  faults injected                       ${[...counts].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`,
    );
    const externalIds = new Set(schedules.filter((x) => x.executor === 'recordExternal').map((x) => x.id));
    const externalTasks = tasks.filter((t) => externalIds.has(t.scheduleId ?? ''));
    const externals = {
      tasks: externalTasks.length,
      completed: externalTasks.filter((t) => t.state === 'completed').length,
    };
    console.log(`  external executions completed         ${externals.completed} of ${externals.tasks} tasks`);
    for (const line of notes) console.log(`  nemesis: ${line}`);
    // The ledger of the first few tasks with a stale commit, two executions at once or a lease left behind, to say what happened.
    for (const f of [...report.staleCommits, ...report.executionOverlaps, ...report.leftLeased].slice(0, 2)) {
      const ledger = events
        .filter((e) => e.taskId === f.taskId)
        .map(
          (e) => `${e.at} ${e.from ?? '-'}->${e.to} fence ${e.fence} by ${e.nodeId}${e.reason ? ` (${e.reason})` : ''}`,
        );
      const row = tasks.find((t) => t.id === f.taskId);
      console.log(
        `  ledger of task ${f.taskId} (lease expires ${row?.leaseExpiresAt ?? '-'}, nodes stopped from ${stopAt}):\n    ${ledger.join('\n    ')}`,
      );
      // and what the nodes said of it (started, lease lost, released...)
      const taskId = f.taskId;
      if (taskId === null) continue;
      const said = cluster.all.flatMap((n) =>
        n.output
          .join('')
          .split('\n')
          .filter((line) => line.includes(taskId))
          .map((line) => `${n.id}: ${line}`),
      );
      console.log(`  node log lines of task ${taskId}:\n    ${said.slice(-12).join('\n    ')}`);
    }
    printNodeErrors(cluster.all);
    // ROOKERY_SCENARIO_LOGS=<dir> keeps every node process's log (JSON lines), to study a run
    const logs = process.env['ROOKERY_SCENARIO_LOGS'];
    if (logs) {
      await mkdir(logs, { recursive: true });
      for (const n of cluster.all)
        await writeFile(join(logs, `${dialect.label}-${nemesis.name}-${n.id}.log`), n.output.join(''));
    }
    return { report, faults, exitCodes, notes, externals };
  } finally {
    await cluster.dispose();
    for (const proxy of proxies) await proxy.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
    await db.drop();
  }
}
