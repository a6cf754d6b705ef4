import type { FaultRecord } from '@rookery/core';
import type { Sequelize } from 'sequelize';
import type { FaultProxy } from '../fault-proxy.js';
import { killSessionsOf, restartServer, runningTasksByNode, sqliteWriteLockHolder } from './database-faults.js';
import type { LiveCluster } from './live-cluster.js';

/** What a nemesis acts on. */
export interface NemesisContext {
  /** The nodes. */
  cluster: LiveCluster;
  /** Database under test. */
  dialect: 'sqlite' | 'postgres' | 'mariadb';
  /** SQLite: the database file. */
  dbFile: string | undefined;
  /** An admin connection to the server (network dialects). */
  admin: Sequelize;
  /** The nodes' lease. */
  leaseMs: number;
  /** Each slot's proxy to the database server, when the nemesis is `proxied`; empty otherwise. */
  proxies: FaultProxy[];
  /** Wall-clock instant at which the nemesis must have stopped injecting faults. */
  until: number;
  /** Deterministic random numbers in [0, 1). */
  random: () => number;
  /** Every fault injected, appended as it happens. */
  faults: FaultRecord[];
  /** Notes for the report (what was done, what was noticed). */
  note(line: string): void;
}

/** One kind of fault, injected repeatedly until `ctx.until`. */
export interface Nemesis {
  /** Scenario name. */
  name: string;
  /** What it does, for the report. */
  description: string;
  /** Dialects it applies to. */
  dialects: readonly NemesisContext['dialect'][];
  /** Extra `rookery node` arguments per slot (clock offsets), if any. */
  nodeArgs?: (slot: number) => string[];
  /** Each node reaches the database through a {@link FaultProxy} of its own slot. */
  proxied?: boolean;
  /** Faults present for the whole run (a skewed clock). */
  standing?: (at: number) => FaultRecord[];
  /** Injects faults until `ctx.until`. */
  run(ctx: NemesisContext): Promise<void>;
}

const ALL = ['sqlite', 'postgres', 'mariadb'] as const;
const SERVERS = ['postgres', 'mariadb'] as const;
const FIVE_MINUTES = 5 * 60_000;

async function sleep(ms: number): Promise<void> {
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
}

function pick(ctx: NemesisContext): number {
  return Math.floor(ctx.random() * ctx.cluster.slots.length);
}

/** Waits `min`–`max` ms, or less if that would pass `ctx.until`; false when time is up. */
async function pause(ctx: NemesisContext, min: number, max: number): Promise<boolean> {
  const ms = min + ctx.random() * (max - min);
  await sleep(Math.min(ms, ctx.until - Date.now()));
  return Date.now() < ctx.until;
}

async function killAndRestart(ctx: NemesisContext, slot: number, downMs: number): Promise<void> {
  const id = ctx.cluster.node(slot).id;
  const at = Date.now();
  await ctx.cluster.kill(slot);
  ctx.faults.push({ nodeId: id, at, kind: 'kill' });
  await sleep(downMs);
  ctx.cluster.restart(slot);
}

/**
 * A random one of the slots whose node holds running tasks (read from the database), waiting up
 * to two leases for one to hold any (the first tasks of a run may not have started yet); a
 * random slot if none does by then (noted). A fault meant to make other nodes take work over
 * needs a node that holds work.
 */
async function pickHolding(ctx: NemesisContext): Promise<number> {
  const deadline = Math.min(Date.now() + 2 * ctx.leaseMs, ctx.until);
  for (;;) {
    let held: Map<string, number>;
    try {
      held = await runningTasksByNode(ctx.admin);
    } catch (error) {
      // the database itself may be down a moment (server-restart in mixed): fault any node
      ctx.note(`could not read which nodes hold tasks (${String(error)}): a random one was faulted`);
      return pick(ctx);
    }
    const holding = ctx.cluster.slots.flatMap((node, slot) =>
      (held.get(node.id) ?? 0) > 0 && ctx.cluster.alive(slot) ? [slot] : [],
    );
    const slot = holding[Math.floor(ctx.random() * holding.length)];
    if (slot !== undefined) return slot;
    if (Date.now() >= deadline) {
      ctx.note('no node held a running task: a random one was faulted');
      return pick(ctx);
    }
    await sleep(100);
  }
}

/** SIGKILL of a random node that holds running tasks every 2–4 s, restarted after 0.5–1.5 s. */
export const killRestart: Nemesis = {
  name: 'kill-restart',
  description: 'SIGKILL a random node that holds running tasks every 2-4 s, restart it 0.5-1.5 s later',
  dialects: ALL,
  async run(ctx) {
    while (await pause(ctx, 2_000, 4_000))
      await killAndRestart(ctx, await pickHolding(ctx), 500 + ctx.random() * 1_000);
  },
};

/** SIGSTOP of a random node for 2.5 leases, then SIGCONT, every few seconds. */
export const pauseResume: Nemesis = {
  name: 'pause',
  description: 'SIGSTOP a random node for 2.5 x lease, then SIGCONT',
  dialects: ALL,
  async run(ctx) {
    while (await pause(ctx, 1_000, 2_000)) {
      const node = ctx.cluster.node(pick(ctx));
      const at = Date.now();
      node.child.kill('SIGSTOP');
      await sleep(2.5 * ctx.leaseMs);
      node.child.kill('SIGCONT');
      ctx.faults.push({ nodeId: node.id, at, kind: 'pause', until: Date.now() });
    }
  },
};

/** Every database session of a random node killed from the server side, every 1–2.5 s. */
export const disconnect: Nemesis = {
  name: 'disconnect',
  description:
    "kill a random node's database sessions from the server (pg_terminate_backend / KILL CONNECTION) every 1-2.5 s",
  dialects: SERVERS,
  async run(ctx) {
    let sessions = 0;
    while (await pause(ctx, 1_000, 2_500)) {
      if (ctx.dialect === 'sqlite') throw new Error('disconnect needs a database server');
      const slot = pick(ctx);
      const at = Date.now();
      const killed = await killSessionsOf(ctx.cluster.pid(slot), ctx.dialect, ctx.admin);
      if (killed > 0) ctx.faults.push({ nodeId: ctx.cluster.node(slot).id, at, kind: 'disconnect' });
      sessions += killed;
    }
    ctx.note(`${sessions} sessions killed`);
  },
};

/** The database server stopped (fast) for 2 s and started again, once in each 20 s. */
export const serverRestart: Nemesis = {
  name: 'server-restart',
  description: 'stop the database server (fast shutdown) for 2 s under load, then start it',
  dialects: SERVERS,
  async run(ctx) {
    while (await pause(ctx, 3_000, 5_000)) {
      if (ctx.dialect === 'sqlite') throw new Error('server-restart needs a database server');
      const window = await restartServer(ctx.dialect, 2_000);
      ctx.faults.push({ nodeId: 'database', kind: 'outage', ...window });
      ctx.note(`server down ${window.until - window.at} ms`);
      if (!(await pause(ctx, 15_000, 15_000))) return;
    }
  },
};

/** Node 1's clock five minutes fast and node 2's five minutes slow, for the whole run. */
export const clockSkew: Nemesis = {
  name: 'clock-skew',
  description: "n1's clock strategy +5 min, n2's -5 min, for the whole run",
  dialects: ALL,
  nodeArgs: (slot) =>
    slot === 0
      ? ['--clock-offset-ms', String(FIVE_MINUTES)]
      : slot === 1
        ? ['--clock-offset-ms', String(-FIVE_MINUTES)]
        : [],
  standing: (at) => [
    { nodeId: 'n1', at, kind: 'skew' },
    { nodeId: 'n2', at, kind: 'skew' },
  ],
  async run(ctx) {
    await sleep(ctx.until - Date.now());
  },
};

/** A graceful stop (SIGTERM) of a random node every 2–4 s; it must exit 0; restarted 0.5 s later. */
export const gracefulStop: Nemesis = {
  name: 'graceful-stop',
  description:
    'SIGTERM a random node under load every 2-4 s (must exit 0, running tasks finish or are handed back), restart it',
  dialects: ALL,
  async run(ctx) {
    while (await pause(ctx, 2_000, 4_000)) {
      const slot = pick(ctx);
      const node = ctx.cluster.node(slot);
      // A node is stopped once it runs (has joined): a SIGTERM while the command is still
      // loading ends the process as the signal would, and it holds nothing then.
      const deadline = Date.now() + 10_000;
      while (!node.output.join('').includes('"event":"nodeJoined"') && Date.now() < deadline) await sleep(50);
      const at = Date.now();
      node.child.kill('SIGTERM');
      const code = await node.exited;
      if (code !== 0) {
        const tail = node.output.join('').split('\n').slice(-15).join('\n');
        throw new Error(`node ${node.id} exited ${String(code)} after SIGTERM; its last output:\n${tail}`);
      }
      ctx.faults.push({ nodeId: node.id, at, kind: 'stop' });
      await sleep(500);
      ctx.cluster.restart(slot);
    }
  },
};

function proxyOf(ctx: NemesisContext, slot: number): FaultProxy {
  const proxy = ctx.proxies[slot];
  if (!proxy) throw new Error(`slot ${slot} has no fault proxy (the nemesis must be proxied, on a database server)`);
  return proxy;
}

/**
 * A node's connections to the database stop carrying bytes for two leases, every 1-2 s: its
 * queries and renewals hang instead of failing, while it runs tasks (the node is chosen among
 * those holding running tasks). Its trust window must abort them before another node may take
 * them over.
 */
export const blackhole: Nemesis = {
  name: 'blackhole',
  description:
    'the database connections of a random node that holds running tasks stop carrying bytes (sockets stay open) for 2 x lease, then heal',
  dialects: SERVERS,
  proxied: true,
  async run(ctx) {
    while (await pause(ctx, 1_000, 2_000)) {
      const slot = await pickHolding(ctx);
      const proxy = proxyOf(ctx, slot);
      const at = Date.now();
      proxy.blackhole();
      await sleep(2 * ctx.leaseMs);
      proxy.heal();
      ctx.faults.push({ nodeId: ctx.cluster.node(slot).id, at, kind: 'partition', until: Date.now() });
    }
  },
};

/** A random node's database round trips 200-600 ms slower, in bursts of 2-4 s. */
export const slowLink: Nemesis = {
  name: 'slow-link',
  description:
    "a random node's database traffic held 100-300 ms each way (round trips 200-600 ms slower) in bursts of 2-4 s",
  dialects: SERVERS,
  proxied: true,
  async run(ctx) {
    while (await pause(ctx, 500, 1_500)) {
      const slot = pick(ctx);
      const proxy = proxyOf(ctx, slot);
      const at = Date.now();
      proxy.delay(Math.round(100 + ctx.random() * 200));
      await sleep(2_000 + ctx.random() * 2_000);
      proxy.heal();
      ctx.faults.push({ nodeId: ctx.cluster.node(slot).id, at, kind: 'slow', until: Date.now() });
    }
  },
};

/** SQLite: the node holding the file's write lock is SIGKILLed mid-transaction. */
export const writeLockKill: Nemesis = {
  name: 'write-lock-kill',
  description: 'SQLite: SIGKILL the node that holds the WAL write lock (caught in /proc/locks), restart it',
  dialects: ['sqlite'],
  async run(ctx) {
    let caught = 0;
    while (await pause(ctx, 1_500, 3_000)) {
      if (!ctx.dbFile) throw new Error('write-lock-kill needs the SQLite file');
      const pids = ctx.cluster.slots.map((_, i) => ctx.cluster.pid(i));
      let holder: number | undefined;
      const deadline = Math.min(Date.now() + 2_000, ctx.until);
      while (holder === undefined && Date.now() < deadline) {
        holder = await sqliteWriteLockHolder(ctx.dbFile, pids);
        if (holder === undefined) await sleep(1);
      }
      const slot = holder === undefined ? -1 : pids.indexOf(holder);
      if (slot < 0) continue;
      caught += 1;
      await killAndRestart(ctx, slot, 1_000);
    }
    ctx.note(`${caught} nodes killed holding the write lock`);
    if (caught === 0) throw new Error('never caught a node holding the write lock');
  },
};

/** Every other nemesis that applies to the dialect, one at a time in random order. */
export const mixed: Nemesis = {
  name: 'mixed',
  description: 'kills, pauses, graceful stops, disconnects, server restarts and write-lock kills in random order',
  dialects: ALL,
  async run(ctx) {
    const pool = [killRestart, pauseResume, gracefulStop, disconnect, serverRestart, writeLockKill].filter((n) =>
      n.dialects.includes(ctx.dialect),
    );
    while (Date.now() < ctx.until) {
      const n = pool[Math.floor(ctx.random() * pool.length)];
      if (!n) break;
      // Each turn runs one nemesis for 10-20 s.
      const until = Math.min(ctx.until, Date.now() + 10_000 + ctx.random() * 10_000);
      ctx.note(`${n.name} until +${Math.round((until - Date.now()) / 1000)} s`);
      await n.run({ ...ctx, until, note: () => undefined });
    }
  },
};

/** Every scenario of the fault suite. */
export const NEMESES: readonly Nemesis[] = [
  killRestart,
  pauseResume,
  disconnect,
  serverRestart,
  clockSkew,
  gracefulStop,
  writeLockKill,
  blackhole,
  slowLink,
  mixed,
];
