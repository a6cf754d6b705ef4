import { createTestEventBus as createEventBus, TestWorkerPool as WorkerPool } from '../../src/testing/index.js';
import {
  checkHistory,
  MemoryDatastore,
  RookeryClient,
  RookeryNode,
  seededRandom,
  type Clock,
  type Datastore,
  type ExecutionContext,
  type FaultRecord,
  type RunRecord,
  type Task,
  type TaskEvent,
  type Timer,
  type Timers,
} from '../../src/index.js';
import { LeaseOracle } from './lease-oracle.js';
import type { FaultPoint, Scenario, SimResult } from './protocol-scenario.js';

// A deterministic simulation of several RookeryNodes sharing one MemoryDatastore. Nothing runs
// on real time: every timer a node sets (through its `timers` strategy), every datastore call
// it makes (through a proxy) and every response it gets is a step that the world takes when a
// seeded random choice says so. Between steps the world lets promise continuations run to
// quiescence, so the only sources of order are the seed and the scenario.
//
// A datastore call is two steps: the request runs on the store (the database executes it, by
// the database clock), then its response reaches the node. A paused node takes no step: its
// timers, its unsent requests and its responses wait until it is resumed; requests already on
// the wire when it was paused still run (the database does not wait for a frozen client). A
// killed node takes no step ever again; its requests on the wire still run.

/** Epoch ms at which every run starts. */
export const T0 = Date.parse('2026-03-01T00:00:00Z');
/** Lease of every node. */
export const LEASE_MS = 1_000;
/** Trust margin of every node (the default, a fifth of the lease): a stall longer than it is a pause. */
const TRUST_MARGIN_MS = LEASE_MS / 5;
/** Poll waits of every node. */
export const POLL_WAITS_MS = [100, 150, 120, 180];
/** Faults are injected in [T0, T0 + FAULT_PHASE_MS]; fire times in it must all have run. */
export const FAULT_PHASE_MS = 12_000;
/** Quiet time after the fault phase: long enough for a lease to expire, repair, retries and the longest run. */
export const QUIET_MS = 8_000;
/**
 * Longest wait, after the quiet time, for every task to settle: tasks peeled ahead and their
 * retries run on, and an attempt its node gave up late (trust window run out while a stalled
 * renewal was on its way) keeps its lease until it expires and is repaired.
 */
const DRAIN_MS = 30_000;
/** Grace of the final, graceful stop of every node: longer than the longest run. */
const STOP_GRACE_MS = 3_000;
/** Delay between attempts of a failing task. */
const RETRY_DELAY_MS = 200;
/** A first start later than this after due is reported as late (not a violation). */
const LATE_AFTER_MS = LEASE_MS + 1_000;

interface TimerEntry {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

interface Request {
  run: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  /** Sent before the node was paused or killed: the database runs it anyway. */
  onWire: boolean;
}

type Action = () => Promise<void>;

/** One node process: a RookeryNode with its own timers and connections. */
class SimProcess {
  state: 'up' | 'paused' | 'dead' = 'up';
  readonly timerList: TimerEntry[] = [];
  readonly requests: Request[] = [];
  readonly responses: (() => void)[] = [];
  readonly node: RookeryNode;
  stopped = false;
  /** Attempts (`task/fence`) this node has started and not ended. */
  readonly open = new Set<string>();
  /** Attempts (`task/fence`) this node said it lost (`leaseLost`). */
  readonly lost = new Set<string>();
  /** A fault waiting for this node's next call of a datastore method. */
  armed: { method: FaultPoint; strike: () => void } | null = null;

  constructor(
    readonly world: World,
    readonly id: string,
    readonly index: number,
    life: number,
    skewMs: number,
  ) {
    const timers: Timers = {
      setTimeout: (fn, ms): Timer => {
        const entry: TimerEntry = { at: world.now + Math.max(1, ms), seq: world.nextSeq(), fn, cancelled: false };
        this.timerList.push(entry);
        return { cancel: () => void (entry.cancelled = true) };
      },
    };
    const monotonicBase = 1_000_000 * (index + 1);
    const clock: Clock = { now: () => world.now + skewMs, monotonic: () => world.now - T0 + monotonicBase };
    const events = createEventBus();
    events.on('generalError', (error, context) =>
      world.errors.push({ nodeId: id, source: context.source, message: error.message }),
    );
    events.on('leaseLost', (taskId, fence) => this.lost.add(`${taskId}/${fence}`));
    let idCount = 0;
    this.node = new RookeryNode({
      datastore: this.connection(world.store),
      events,
      executors: [{ name: 'work', start: (ctx) => this.work(ctx, timers) }],
      pool: new WorkerPool({ concurrency: 8 }),
      id,
      leaseId: (nodeId) => `lease:${nodeId}#${life}`,
      ids: () => `${id}#${life}:${(idCount += 1)}`,
      random: world.random,
      clock,
      timers,
      leaseMs: LEASE_MS,
      trustMarginMs: TRUST_MARGIN_MS,
      pollWaitsMs: POLL_WAITS_MS,
      heartbeatEveryMs: 1_000,
    });
  }

  /** The store as this node reaches it: every call waits for the world to run it. */
  private connection(store: MemoryDatastore): Datastore {
    return new Proxy(store, {
      get: (target, prop, receiver) => {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) =>
          new Promise((resolve, reject) => {
            const run = async (): Promise<unknown> => {
              const result: unknown = await (value as (...a: unknown[]) => unknown).apply(target, args);
              this.world.leases.observe(prop, args, result, this.world.now);
              return result;
            };
            this.requests.push({ run, resolve, reject, onWire: false });
            const armed = this.armed;
            if (armed?.method === prop) {
              this.armed = null;
              armed.strike();
            }
          });
      },
    });
  }

  /** The recording executor of test-integration, on simulated time. */
  private async work(ctx: ExecutionContext, timers: Timers): Promise<{ kind: 'done'; result: null }> {
    const payload = ctx.payload as { ms: number; failUntilAttempt: number };
    this.record('start', ctx);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = timers.setTimeout(resolve, payload.ms);
        ctx.signal.addEventListener(
          'abort',
          () => {
            timer.cancel();
            reject(ctx.signal.reason);
          },
          { once: true },
        );
      });
      if (ctx.task.attempt < payload.failUntilAttempt)
        throw new Error(`planned failure of attempt ${ctx.task.attempt}`);
      this.record('end', ctx, true);
      return { kind: 'done', result: null };
    } catch (error) {
      this.record('end', ctx, false);
      throw error;
    }
  }

  private record(kind: 'start' | 'end', ctx: ExecutionContext, ok?: boolean): void {
    const { id, scheduleId, fireAt, attempt, fence } = ctx.task;
    if (kind === 'start') this.open.add(`${id}/${fence}`);
    else this.open.delete(`${id}/${fence}`);
    this.world.records.push({
      kind,
      nodeId: this.id,
      taskId: id,
      scheduleId,
      fireAt,
      attempt,
      fence,
      at: this.world.now,
      ...(ok === undefined ? {} : { ok }),
    });
  }

  /** The first live timer, cancelled ones dropped. */
  nextTimer(): TimerEntry | undefined {
    let first: TimerEntry | undefined;
    for (let i = this.timerList.length - 1; i >= 0; i -= 1) {
      const t = this.timerList[i];
      if (!t) continue;
      if (t.cancelled) {
        this.timerList.splice(i, 1);
        continue;
      }
      if (!first || t.at < first.at || (t.at === first.at && t.seq < first.seq)) first = t;
    }
    return first;
  }

  /** Steps this process can take now. */
  actions(now: number): Action[] {
    const out: Action[] = [];
    for (const r of this.requests) {
      if (this.state === 'up' || r.onWire) out.push(() => this.send(r));
    }
    if (this.state !== 'up') return out;
    const timer = this.nextTimer();
    if (timer && timer.at <= now) {
      out.push(async () => {
        this.timerList.splice(this.timerList.indexOf(timer), 1);
        // A timer that fires later than the trust margin is a stalled event loop: the node is
        // recorded as paused for the stall, as a real pause past the margin would be, since no
        // node can abort its work in time while its loop does not turn.
        const late = this.world.now - timer.at;
        if (late > TRUST_MARGIN_MS)
          this.world.faults.push({ nodeId: this.id, at: timer.at, kind: 'pause', until: this.world.now });
        timer.fn();
      });
    }
    for (const deliver of this.responses) {
      out.push(async () => {
        this.responses.splice(this.responses.indexOf(deliver), 1);
        deliver();
      });
    }
    return out;
  }

  private async send(r: Request): Promise<void> {
    this.requests.splice(this.requests.indexOf(r), 1);
    let deliver: () => void;
    try {
      const value = await r.run();
      deliver = () => r.resolve(value);
    } catch (error) {
      deliver = () => r.reject(error);
    }
    if (this.state !== 'dead') this.responses.push(deliver);
  }

  /** Freezes (or kills) the process; each request not yet run was already on the wire or not, by a coin. */
  halt(state: 'paused' | 'dead'): void {
    this.state = state;
    for (const r of this.requests) r.onWire = this.world.random() < 0.5;
    if (state === 'dead') this.responses.length = 0;
  }
}

/** Flushes promise continuations: everything that can run without a step has run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** The simulated cluster: one memory store, its clock, the node processes, the history. */
class World {
  now = T0;
  readonly random: () => number;
  readonly store: MemoryDatastore;
  readonly records: RunRecord[] = [];
  readonly faults: FaultRecord[] = [];
  readonly errors: SimResult['errors'] = [];
  readonly processes: SimProcess[] = [];
  /** Each pause, with the attempts its node had under way. */
  readonly pauses: { process: SimProcess; until: number; open: string[] }[] = [];
  steps = 0;
  readonly leases = new LeaseOracle();
  private seq = 0;
  private readonly plan: { at: number; seq: number; apply: () => void }[] = [];

  constructor(private readonly scenario: Scenario) {
    this.random = seededRandom(scenario.seed);
    this.store = new MemoryDatastore({ clock: { now: () => this.now, monotonic: () => this.now - T0 } });
  }

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  /** Runs `apply` when the world reaches `at`. */
  at(at: number, apply: () => void): void {
    this.plan.push({ at, seq: this.nextSeq(), apply });
    this.plan.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  /** Starts a node process (index `index`, incarnation `life`). */
  spawn(index: number, life: number): SimProcess {
    // A restarted node keeps its id (as `rookery node --id` does) and gets a new lease owner.
    const p = new SimProcess(this, `n${index}`, index, life, this.scenario.skewsMs[index] ?? 0);
    this.processes.push(p);
    p.node
      .start()
      .catch((error: unknown) => this.errors.push({ nodeId: p.id, source: 'start', message: String(error) }));
    return p;
  }

  /** The live (not dead) incarnation of node `index`. */
  current(index: number): SimProcess | undefined {
    return this.processes.find((p) => p.index === index && p.state !== 'dead');
  }

  /** Takes one step: a planned fault, a node's step, or time moving on (never past `until`). */
  async step(until: number): Promise<void> {
    const planned = this.plan[0];
    if (planned && planned.at <= this.now) {
      this.plan.shift();
      planned.apply();
      return;
    }
    const actions = this.processes.flatMap((p) => p.actions(this.now));
    if (actions.length > 0 && this.random() >= 1 / 16) {
      const action = actions[Math.floor(this.random() * actions.length)];
      if (!action) throw new Error('no action');
      this.steps += 1;
      await action();
      await settle();
      return;
    }
    if (actions.length > 0) {
      // Latency: time moves on while steps are waiting; now and then a long stall of the whole host.
      const stall = this.random() < 0.1 ? 20 + Math.floor(this.random() * 400) : 1 + Math.floor(this.random() * 20);
      this.now = Math.min(until, this.now + stall);
      return;
    }
    let next = planned?.at ?? Infinity;
    for (const p of this.processes) {
      if (p.state !== 'up') continue;
      const t = p.nextTimer();
      if (t) next = Math.min(next, t.at);
    }
    this.now = Math.min(until, Math.max(this.now, next));
  }

  /** Steps until the world clock reaches `until`. */
  async runUntil(until: number): Promise<void> {
    while (this.now < until) await this.step(until);
  }
}

/** Runs one scenario and checks its history with the same checker as the multi-process suite. */
export async function runScenario(scenario: Scenario): Promise<SimResult> {
  const world = new World(scenario);
  let scheduleCount = 0;
  const client = new RookeryClient({
    datastore: world.store,
    builtInExecutors: ['work'],
    ids: () => `s${(scheduleCount += 1)}`,
  });
  for (const [i, job] of scenario.jobs.entries()) {
    await client.createSchedule({
      name: `job-${i}`,
      executor: 'work',
      payload: { ms: job.durationMs, failUntilAttempt: job.failUntilAttempt },
      trigger:
        job.trigger.kind === 'interval'
          ? { kind: 'interval', everyMs: job.trigger.everyMs }
          : { kind: 'once', at: T0 + job.trigger.atMs },
      policies: {
        duplicate: job.duplicate,
        retry: { kind: 'fixed', maxAttempts: job.maxAttempts, delayMs: RETRY_DELAY_MS },
        timeoutMs: job.timeoutMs,
        delivery: job.delivery,
      },
    });
  }
  const lives = new Map<number, number>();
  for (let i = 0; i < scenario.nodes; i += 1) {
    lives.set(i, 0);
    world.spawn(i, 0);
  }
  const faultEnd = T0 + FAULT_PHASE_MS;
  for (const f of scenario.faults) {
    const index = f.node % scenario.nodes;
    const strike = (victim: SimProcess): void => {
      if (victim.state !== 'up' || world.now >= faultEnd) return;
      if (f.kind === 'pause') {
        const until = Math.min(world.now + f.forMs, faultEnd);
        victim.halt('paused');
        world.faults.push({ nodeId: victim.id, at: world.now, kind: 'pause', until });
        world.pauses.push({ process: victim, until, open: [...victim.open] });
        world.at(until, () => void (victim.state = 'up'));
        return;
      }
      victim.halt('dead');
      world.faults.push({ nodeId: victim.id, at: world.now, kind: 'kill' });
      world.at(Math.min(world.now + f.forMs, faultEnd), () => {
        const life = (lives.get(index) ?? 0) + 1;
        lives.set(index, life);
        world.spawn(index, life);
      });
    };
    world.at(T0 + f.atMs, () => {
      const victim = world.current(index);
      if (!victim) return;
      if (f.on === 'time') strike(victim);
      else victim.armed = { method: f.on, strike: () => strike(victim) };
    });
  }
  await world.runUntil(faultEnd + QUIET_MS);

  // Drain: no new fire times; then wait until every task has settled (none running or pending),
  // so that the final stop finds nothing to claim and an attempt a node gave up shortly before
  // (its trust window ran out) has had its lease expire and repaired. What is still running
  // after DRAIN_MS the protocol left leased.
  for (const s of await world.store.scheduleList({ states: ['active'], limit: 1_000 }))
    await client.pauseSchedule(s.id);
  const drainBy = world.now + DRAIN_MS;
  while (world.now < drainBy && (await world.store.taskList({ states: ['running', 'pending'], limit: 1 })).length > 0)
    await world.step(drainBy);

  // A graceful stop of every live node, while the world keeps stepping.
  const live = world.processes.filter((p) => p.state === 'up');
  for (const p of live) {
    p.node.stop({ graceMs: STOP_GRACE_MS }).then(
      () => void (p.stopped = true),
      (error: unknown) => world.errors.push({ nodeId: p.id, source: 'stop', message: String(error) }),
    );
  }
  const stopBy = world.now + STOP_GRACE_MS + 10_000;
  while (!live.every((p) => p.stopped)) {
    if (world.now >= stopBy)
      throw new Error(
        `nodes ${live
          .filter((p) => !p.stopped)
          .map((p) => p.id)
          .join(', ')} did not stop`,
      );
    await world.step(stopBy);
  }

  const tasks: Task[] = await world.store.taskList({ limit: 1_000_000 });
  const events: TaskEvent[] = [];
  for (const t of tasks) events.push(...(await world.store.taskEvents(t.id)));
  const report = checkHistory({
    records: world.records,
    tasks,
    events,
    schedules: await world.store.scheduleList({ limit: 1_000 }),
    faults: world.faults,
    from: T0,
    to: faultEnd,
    lateAfterMs: LATE_AFTER_MS,
  });
  // A paused node whose attempts were taken over while it slept must notice when it wakes
  // (leaseLost: the execution is aborted, nothing committed) and its execution must end,
  // unless it was killed meanwhile.
  const unnoticedLosses = world.pauses.flatMap(({ process, until, open }) =>
    process.state === 'dead'
      ? []
      : open
          .filter((key) => {
            const [taskId, fence] = key.split('/');
            const taken = events.some(
              (e) =>
                e.taskId === taskId &&
                e.from === 'running' &&
                e.fence >= Number(fence) &&
                e.at <= until &&
                e.nodeId !== process.id,
            );
            return taken && (!process.lost.has(key) || process.open.has(key));
          })
          .map((key) =>
            process.lost.has(key)
              ? `${process.id}: attempt ${key} taken over during its pause, reported lost, but its execution never ended`
              : `${process.id}: attempt ${key} taken over during its pause, never reported lost`,
          ),
  );
  return {
    report,
    records: world.records,
    events,
    faults: world.faults,
    errors: world.errors,
    unnoticedLosses,
    steps: world.steps,
    refusedFinishes: world.leases.refused,
    fenceViolations: world.leases.violations,
  };
}
