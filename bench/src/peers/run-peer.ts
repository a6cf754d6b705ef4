import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { failoverFigures } from '../failover.js';
import { HistoryTail, occurrenceOf } from '../history-tail.js';
import type { BenchOptions } from '../options.js';
import { cpuBetween, cpuMs, cpuSnapshot, pidsNamed } from '../procfs.js';
import type { Progress } from '../run.js';
import { distribution } from '../stats.js';
import { expectedWork, firstDueAt } from '../workloads.js';
import { unsupported, type PeerDeployment, type PeerServers, type PeerSystem } from './peer.js';
import type { PeerResult } from './peer-result.js';
import { peerJobs, peerSchedules } from './peer-workloads.js';
import { peerRunning, startPeerProcess, stopPeerProcess, type PeerProcess } from './worker-process.js';

/** The lease the peers get when `--lease-ms` is not given: Rookery's node default. */
const DEFAULT_LEASE_MS = 10_000;

/** Where a peer runs, for the table: the server kind and host. */
function serverOf(peer: PeerSystem, servers: PeerServers): string {
  const url = new URL(peer.name === 'bullmq' ? servers.redis : servers.postgres);
  return `${peer.name === 'bullmq' ? 'Redis' : 'PostgreSQL'} ${url.host}`;
}

/** A result that says why the peer was not run. */
function skippedResult(
  peer: PeerSystem,
  servers: PeerServers,
  version: string | null,
  reason: string,
  settings: Record<string, string>,
): PeerResult {
  const none = distribution([]);
  return {
    peer: peer.name,
    version,
    skipped: reason,
    server: serverOf(peer, servers),
    settings,
    created: { jobs: 0, schedules: 0, ms: 0 },
    expected: 0,
    completed: 0,
    durationMs: Number.NaN,
    tasksPerSecond: Number.NaN,
    latenessMs: none,
    serverCounter: null,
    nodeCpu: { perTaskMs: Number.NaN, perSecondMs: Number.NaN },
    dbCpu: null,
    lost: 0,
    reruns: 0,
    failover: null,
    generalErrors: 0,
    warnings: [],
  };
}

/**
 * Runs the workload of `options` on one peer, the same shape as Rookery's run: a fresh
 * database or key prefix, `options.nodes` worker processes of `options.concurrency` jobs each
 * running the recording handler, the work created with the peer's bulk API due from `t0`, the
 * same measurement window, and for `failover` the first process SIGKILLed at W/3. A peer that
 * is not installed, whose server is unreachable, or that cannot run the workload is skipped,
 * with the reason; so is one whose run fails (a worker that exits, say), with the error.
 */
export async function runPeer(
  peer: PeerSystem,
  options: BenchOptions,
  servers: PeerServers,
  progress: Progress,
): Promise<PeerResult> {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const settings = peer.settings(options.concurrency, leaseMs);
  let version: string;
  try {
    version = await peer.version();
  } catch (error) {
    return skippedResult(peer, servers, null, error instanceof Error ? error.message : String(error), settings);
  }
  const notRun = unsupported(peer, options.workload);
  if (notRun) return skippedResult(peer, servers, version, notRun, settings);
  let deployment: PeerDeployment;
  try {
    deployment = await peer.deploy(servers, leaseMs);
  } catch (error) {
    return skippedResult(
      peer,
      servers,
      version,
      `${serverOf(peer, servers)} unreachable: ${error instanceof Error ? error.message : String(error)}`,
      settings,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), `rookery-bench-${peer.name}-`));
  const history = join(dir, 'history.jsonl');
  const procs: PeerProcess[] = [];
  const warnings: string[] = [];
  try {
    for (let i = 1; i <= options.nodes; i += 1)
      procs.push(
        startPeerProcess(
          {
            peer: peer.name,
            ...deployment.target,
            concurrency: options.concurrency,
            leaseMs,
            history,
            cronSchedules: options.workload === 'cron' ? options.schedules : 0,
            taskMs: options.taskMs,
          },
          `p${i}`,
        ),
      );
    const waiting = new AbortController();
    try {
      await Promise.race([
        Promise.all(procs.map((p) => p.ready)),
        sleep(60_000, undefined, { signal: waiting.signal }).then(() =>
          Promise.reject(new Error(`the ${peer.name} workers were not ready within 60 s`)),
        ),
      ]);
    } finally {
      waiting.abort();
    }
    progress(`${peer.name} ${version}: ${options.nodes} worker process(es) running`);

    const jobsCount =
      options.workload === 'recurring' || options.workload === 'cron' ? options.schedules : options.tasks;
    const began = performance.now();
    const t0 = firstDueAt(options, Date.now() + (options.leadMs ?? Math.round(2_000 + 0.25 * jobsCount)));
    const jobs = peerJobs(options, t0);
    const schedules = peerSchedules(options, t0);
    await deployment.createJobs(jobs);
    if (schedules.length > 0) await deployment.createSchedules(schedules);
    const createdMs = performance.now() - began;
    const expected = expectedWork(options, t0);
    const overran = Date.now() - t0;
    if (overran > 0)
      warnings.push(
        `creating the jobs ended ${overran} ms after the first due time, and the lateness includes it; raise --lead-ms`,
      );
    progress(
      `${peer.name}: ${jobs.length} job(s) and ${schedules.length} schedule(s) created; ${expected.count} fire times due`,
    );

    const counterBefore = await deployment.server.readCounter();
    const serverBefore = deployment.server.processNames && cpuSnapshot(pidsNamed(deployment.server.processNames));
    const cpuBefore = new Map(procs.map((p) => [p.id, cpuMs(p.pid) ?? 0]));
    const cpuFinal = new Map<string, number>();
    const measuredFrom = performance.now();

    let victim = options.workload === 'failover' ? procs[0] : undefined;
    const killAt = t0 + Math.round((options.seconds * 1_000) / 3);
    let killedAt: number | undefined;
    // Only the run's fire times count (a crontab held by the workers also fires before t0 and after the last due time).
    const tail = new HistoryTail(history, (r) => r.fireAt >= t0 && r.fireAt <= expected.lastDueAt);
    const deadline = Math.max(expected.lastDueAt, t0 + options.seconds * 1_000) + options.timeoutSeconds * 1_000;
    let reported = Date.now();
    for (;;) {
      if (victim && Date.now() >= killAt) {
        cpuFinal.set(victim.id, cpuMs(victim.pid) ?? 0);
        killedAt = Date.now();
        victim.child.kill('SIGKILL');
        await victim.exited;
        progress(`${peer.name}: killed ${victim.id} (SIGKILL) at +${killedAt - t0} ms`);
        victim = undefined;
      }
      tail.poll();
      if (tail.completed >= expected.count) break;
      // A peer that does not hand a killed process's jobs out again within the run: done when every other job is.
      if (
        killedAt !== undefined &&
        peer.recoversKilledJobs !== true &&
        tail.completed >= expected.count - failoverFigures(tail.records, 'p1', killedAt).held
      )
        break;
      const dead = procs.find((p) => (killedAt === undefined || p.id !== 'p1') && !peerRunning(p));
      if (dead)
        throw new Error(
          `${peer.name} worker ${dead.id} exited during the run; its last output:\n${dead.tail.join('\n')}`,
        );
      if (Date.now() > deadline) {
        warnings.push(
          `timed out after ${options.timeoutSeconds} s with ${expected.count - tail.completed} of ${expected.count} fire times not completed`,
        );
        break;
      }
      if (Date.now() - reported > 5_000) {
        progress(`${peer.name}: ${tail.completed} of ${expected.count} completed`);
        reported = Date.now();
      }
      await sleep(200);
    }
    const measuredMs = performance.now() - measuredFrom;
    for (const p of procs) if (peerRunning(p)) cpuFinal.set(p.id, cpuMs(p.pid) ?? 0);
    const serverAfter = deployment.server.processNames && cpuSnapshot(pidsNamed(deployment.server.processNames));
    await Promise.all(procs.map((p) => stopPeerProcess(p)));
    // PostgreSQL backends report their counts when they exit: read after the workers stopped.
    const counterAfter = await deployment.server.readCounter();
    tail.poll();

    const firstStart = new Map<string, number>();
    const starts = new Map<string, number>();
    let lastEnd = t0;
    for (const r of tail.records) {
      const key = occurrenceOf(r);
      if (r.kind === 'start') {
        starts.set(key, (starts.get(key) ?? 0) + 1);
        firstStart.set(key, Math.min(r.at - r.fireAt, firstStart.get(key) ?? Number.POSITIVE_INFINITY));
      } else if (r.ok) lastEnd = Math.max(lastEnd, r.at);
    }
    const completed = tail.completed;
    const perTask = (value: number): number => (completed > 0 ? value / completed : Number.NaN);
    const perSecond = (value: number): number => value / (measuredMs / 1_000);
    const nodeCpu = procs.reduce((sum, p) => sum + (cpuFinal.get(p.id) ?? 0) - (cpuBefore.get(p.id) ?? 0), 0);
    const dbCpuMs = serverBefore && serverAfter ? cpuBetween(serverBefore, serverAfter) : undefined;
    const counted = counterAfter - counterBefore;
    const durationMs = lastEnd - t0;
    const failover = killedAt === undefined ? null : failoverFigures(tail.records, 'p1', killedAt);
    if (failover && failover.notRestarted > 0 && peer.recoversKilledJobs !== true)
      warnings.push(
        `${failover.notRestarted} job(s) held by the killed process not restarted: ${peer.recoversKilledJobs}`,
      );
    return {
      peer: peer.name,
      version,
      skipped: null,
      server: serverOf(peer, servers),
      settings,
      created: { jobs: jobs.length, schedules: schedules.length, ms: Math.round(createdMs) },
      expected: expected.count,
      completed,
      durationMs,
      tasksPerSecond: durationMs > 0 ? completed / (durationMs / 1_000) : Number.NaN,
      latenessMs: distribution([...firstStart.values()]),
      serverCounter: Number.isFinite(counted)
        ? { source: deployment.server.counterSource, perTask: perTask(counted), perSecond: perSecond(counted) }
        : null,
      nodeCpu: { perTaskMs: perTask(nodeCpu), perSecondMs: perSecond(nodeCpu) },
      dbCpu:
        dbCpuMs === undefined || !serverAfter
          ? null
          : { perTaskMs: perTask(dbCpuMs), perSecondMs: perSecond(dbCpuMs), processes: serverAfter.size },
      lost: expected.count - completed,
      reruns: [...starts.values()].filter((n) => n > 1).length,
      failover,
      generalErrors: procs.reduce((sum, p) => sum + p.errors, 0),
      warnings,
    };
  } catch (error) {
    // The other peers still run, and Rookery's figures are still printed.
    return skippedResult(
      peer,
      servers,
      version,
      `the run failed: ${error instanceof Error ? error.message : String(error)}`,
      settings,
    );
  } finally {
    for (const p of procs) if (peerRunning(p)) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await rm(dir, { recursive: true, force: true });
    await deployment.drop();
  }
}
