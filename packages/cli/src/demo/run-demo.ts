import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RookeryClient, type Schedule } from '@rookery/core';
import { createSqlDatastore } from '@rookery/datastore-sql';
import { writeLine, type CliIo } from '../context.js';
import type { ScheduleInput } from '../options/parse-job-options.js';
import type { EventLine } from '../output/event-line.js';
import { DemoNode, delay, until } from './cluster.js';
import { startDemoDashboard, type DemoDashboard } from './demo-dashboard.js';
import { summarize } from './summary.js';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Database URL; a fresh SQLite file in a temp directory when absent. */
  dbUrl?: string;
  /** How long the cluster runs before it is stopped, ms. @defaultValue 25 000 */
  durationMs?: number;
  /** When a node is killed, ms after the schedules are created. @defaultValue 8 000 */
  killAtMs?: number;
  /** TCP port of the dashboard and the HTTP API, on 127.0.0.1; 0 for any free port. @defaultValue 0 */
  dashboardPort?: number;
}

const LEASE_MS = 3_000;
const NODE_IDS = ['node-a', 'node-b', 'node-c'] as const;

function sampleSchedules(now: number): ScheduleInput[] {
  return [
    { name: 'every-second', executor: 'demo-tick', trigger: { kind: 'interval', everyMs: 1_000 } },
    { name: 'cron-2s', executor: 'demo-tick', trigger: { kind: 'cron', expr: '*/2 * * * * *' } },
    {
      name: 'one-shot',
      executor: 'demo-tick',
      trigger: { kind: 'once', at: Math.ceil((now + 5_000) / 1_000) * 1_000 },
    },
    {
      name: 'flaky',
      executor: 'demo-flaky',
      trigger: { kind: 'interval', everyMs: 5_000 },
      policies: { retry: { kind: 'exponential', maxAttempts: 4, delayMs: 500, factor: 2 } },
    },
    {
      name: 'slow',
      executor: 'demo-slow',
      trigger: { kind: 'interval', everyMs: 2_000 },
      policies: { duplicate: 'skip' },
    },
  ];
}

/**
 * Runs the demo: three `rookery node` processes on one fresh SQLite database, five sample
 * jobs, one node SIGKILLed part-way, the rest stopped gracefully, and a check of the recorded
 * history. The HTTP API and the dashboard serve on loopback while it runs, with an admin token
 * made for the run; their URL is printed. Returns the exit code: 0 when the checker finds no violation, 1 otherwise.
 *
 * @param io - where to write
 * @param options - see {@link DemoOptions}
 */
export async function runDemo(io: CliIo, options: DemoOptions = {}): Promise<number> {
  const durationMs = options.durationMs ?? 25_000;
  const killAtMs = options.killAtMs ?? 8_000;
  const binPath = fileURLToPath(new URL('../bin.js', import.meta.url));
  const executorsPath = fileURLToPath(new URL('./demo-functions.js', import.meta.url));
  if (!existsSync(binPath) || !existsSync(executorsPath))
    throw new Error(`the demo needs the built CLI (${binPath}); run: npx tsc -b`);
  const dir = mkdtempSync(join(tmpdir(), 'rookery-demo-'));
  const dbUrl = options.dbUrl ?? `sqlite:${join(dir, 'demo.db')}`;
  const historyPath = join(dir, 'history.jsonl');
  writeFileSync(historyPath, '');
  const out = (line: string): void => writeLine(io.stdout, line);

  const datastore = await createSqlDatastore({ url: dbUrl });
  let dashboard: DemoDashboard | undefined;
  try {
    out(`rookery demo: database ${dbUrl}`);
    out(`starting ${NODE_IDS.join(', ')} (lease ${LEASE_MS} ms)`);

    let t0 = Date.now();
    const clock = (): string => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s]`;
    const names = new Map<string, string>();
    const nameOf = (l: EventLine): string =>
      l.scheduleId ? (names.get(l.scheduleId) ?? l.scheduleId.slice(0, 8)) : '?';
    const hhmmss = (iso: string | null): string => (iso ? iso.slice(11, 19) : '-');
    const repairs: EventLine[] = [];
    let victim: DemoNode | undefined;
    let victimTasks = new Map<string, string>();
    const onEvent = (l: EventLine): void => {
      const what = `${nameOf(l).padEnd(12)} fire ${hhmmss(l.fireAt ?? null)}  attempt ${l.attempt ?? '-'}`;
      const show = (mark: string, text: string): void => out(`${clock()} ${l.nodeId}  ${mark} ${text}`);
      switch (l.event) {
        case 'taskCompleted':
          return show('✓', what);
        case 'taskRetried':
          return show('✗', `${what}  failed (${l.error ?? ''}), retry at ${hhmmss(l.dueAt ?? null)}`);
        case 'taskFailed':
          return show('✗', `${what}  failed for good (${l.error ?? ''})`);
        case 'taskSkipped':
          return show(
            '·',
            `${nameOf(l).padEnd(12)} fire ${hhmmss(l.fireAt ?? null)}  ${l.reason ?? l.state ?? 'skipped'}`,
          );
        case 'taskRepaired':
          repairs.push(l);
          return show('↻', `${what}  repaired: lease of a dead node expired, back to ${l.state ?? '?'}`);
        case 'leaseLost':
          return show('!', `lost the lease of task ${l.taskId ?? '?'}`);
        case 'taskStarted':
          if (victimTasks.has(l.taskId ?? '')) show('▶', `${what}  restarted (was on ${victim?.id ?? '?'})`);
          else if (names.get(l.scheduleId ?? '') === 'slow') show('▶', `${what}  started`);
          return;
        default:
          return;
      }
    };
    const env = { ROOKERY_DEMO_HISTORY: historyPath };
    const onOther = (id: string, text: string): void => out(`${clock()} ${id}  ${text}`);
    const nodes = NODE_IDS.map(
      (id) => new DemoNode({ id, binPath, dbUrl, executorsPath, leaseMs: LEASE_MS, env, onEvent, onOther }),
    );
    if (!(await until(() => nodes.every((n) => n.joined || !n.alive), 20_000)) || nodes.some((n) => !n.joined)) {
      nodes.forEach((n) => n.kill('SIGKILL'));
      throw new Error('the demo nodes did not start; see their output above');
    }

    const client = new RookeryClient({ datastore });
    dashboard = await startDemoDashboard(client, options.dashboardPort ?? 0);
    out(`dashboard (while the demo runs): ${dashboard.url}`);
    const from = Date.now();
    const created: Schedule[] = [];
    for (const input of sampleSchedules(from)) {
      const s = await client.createSchedule(input);
      created.push(s);
      names.set(s.id, s.name);
    }
    t0 = from;
    out(
      `${clock()} created jobs: every-second (1s), cron-2s (*/2 * * * * *), one-shot (in ~5s), flaky (5s, fails twice, exponential retry), slow (2s, 2-3s runs, duplicate skip)`,
    );

    await delay(killAtMs);
    // kill a node that is running a task, preferably a slow one, so that a repair shows
    const runningSlow = (n: DemoNode): boolean => [...n.running.values()].some((sid) => names.get(sid) === 'slow');
    await until(() => nodes.some((n) => n.alive && runningSlow(n)), 3_000);
    victim =
      nodes.find((n) => n.alive && runningSlow(n)) ?? nodes.find((n) => n.alive && n.running.size > 0) ?? nodes[1];
    victimTasks = new Map(victim?.running ?? []);
    const killedAt = Date.now();
    victim?.kill('SIGKILL');
    const held = [...victimTasks.entries()].map(([tid, sid]) => `${names.get(sid) ?? sid} ${tid.slice(-8)}`);
    out(`${clock()} ☠ SIGKILL ${victim?.id ?? '?'} while it runs ${held.length ? held.join(', ') : 'nothing'}`);

    await delay(Math.max(0, from + durationMs - Date.now()));
    const stoppedAt = Date.now();
    out(`${clock()} stopping the other nodes gracefully (SIGTERM)`);
    const survivors = nodes.filter((n) => n !== victim);
    survivors.forEach((n) => n.kill('SIGTERM'));
    await Promise.all(survivors.map((n) => n.waitExit(12_000)));
    const unclean = survivors.filter((n) => n.exit?.code !== 0);
    for (const n of unclean) out(`${n.id} did not stop cleanly: ${JSON.stringify(n.exit)}`);

    const ok = await summarize({
      io,
      datastore,
      schedules: created,
      historyPath,
      from,
      to: stoppedAt - LEASE_MS,
      durationMs: stoppedAt - from,
      victim: victim ? { id: victim.id, at: killedAt, tasks: [...victimTasks.keys()] } : undefined,
      repairs: repairs.length,
      nodeIds: [...NODE_IDS],
    });
    out(`inspect it: npx rookery task ls --db ${dbUrl}`);
    return ok && unclean.length === 0 ? 0 : 1;
  } finally {
    await dashboard?.close();
    await datastore.close();
  }
}
