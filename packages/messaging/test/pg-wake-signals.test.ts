import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError, type WakeKind } from '@rookery/core';
import { postgresDialect, type TestDatabase } from '../../datastore-sql/test/helpers/test-databases.js';
import { pgWakeSignals, WakeSignalsError, type PgWakeSignals, type PgWakeSignalsOptions } from '../src/index.js';

const dialect = await postgresDialect();

/** Polls `predicate` every 20 ms until it holds; fails after a generous `timeoutMs` (never a speed assertion). */
async function eventually(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.skipIf(!dialect.available)('pgWakeSignals on PostgreSQL', () => {
  let db: TestDatabase;
  const opened: PgWakeSignals[] = [];
  const unlistens: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    db = await dialect.create();
  });
  afterAll(async () => {
    for (const u of unlistens) await u();
    for (const s of opened) await s.close();
    await db?.drop();
  });

  /** A fresh instance on its own channel (tests of one file share the database). */
  function signals(channel: string, options: Partial<PgWakeSignalsOptions> = {}): PgWakeSignals {
    const s = pgWakeSignals({ url: db.url, channel, minBackoffMs: 50, maxBackoffMs: 500, ...options });
    opened.push(s);
    return s;
  }

  /** Listens with `s`, collecting due times and errors. */
  function collect(s: PgWakeSignals): { heard: number[]; errors: unknown[]; unlisten: () => Promise<void> } {
    const heard: number[] = [];
    const errors: unknown[] = [];
    const unlisten = s.listen(
      (dueAt) => heard.push(dueAt),
      (error) => errors.push(error),
    );
    unlistens.push(unlisten);
    return { heard, errors, unlisten };
  }

  /** Waits until `s`'s listening session is registered (LISTEN issued) in pg_stat_activity. */
  async function listening(appName: string): Promise<number> {
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      let pid = 0;
      await eventually(async () => {
        const r = await admin.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 AND state = 'idle' AND query LIKE 'LISTEN%'",
          [appName],
        );
        pid = r.rows[0]?.pid ?? 0;
        return pid !== 0;
      }, `a LISTEN session named ${appName}`);
      return pid;
    } finally {
      await admin.end();
    }
  }

  function channel(): string {
    return `wake_${randomBytes(4).toString('hex')}`;
  }

  it('delivers an announced due time to another instance, and a sender never hears itself', async () => {
    const ch = channel();
    const app = `listen-${ch}`;
    const a = signals(ch, { applicationName: `${app}-a` });
    const b = signals(ch, { applicationName: app });
    const fromA = collect(a);
    const fromB = collect(b);
    await listening(app);
    await eventually(async () => {
      a.announce(1_700_000_000_123);
      await new Promise((r) => setTimeout(r, 100));
      return fromB.heard.length > 0;
    }, 'b to hear a');
    expect(new Set(fromB.heard)).toEqual(new Set([1_700_000_000_123]));
    // b's own announce reaches a, and b does not hear itself.
    await listening(`${app}-a`);
    const before = fromB.heard.length;
    await eventually(async () => {
      b.announce(1_700_000_000_456);
      await new Promise((r) => setTimeout(r, 100));
      return fromA.heard.includes(1_700_000_000_456);
    }, 'a to hear b');
    expect(fromA.heard.every((t) => t === 1_700_000_000_456)).toBe(true);
    expect(fromB.heard.length).toBe(before);
    expect(fromB.heard).not.toContain(1_700_000_000_456);
    expect(fromA.errors).toEqual([]);
    expect(fromB.errors).toEqual([]);
  });

  it('carries what falls due: tasks, or a schedule (also for a payload without a kind, as older senders send it)', async () => {
    const ch = channel();
    const app = `listen-${ch}`;
    const sender = signals(ch);
    const heard: [number, WakeKind][] = [];
    const errors: unknown[] = [];
    unlistens.push(
      signals(ch, { applicationName: app }).listen(
        (dueAt, kind) => heard.push([dueAt, kind]),
        (error) => errors.push(error),
      ),
    );
    await listening(app);
    await eventually(async () => {
      sender.announce(10, 'tasks');
      await new Promise((r) => setTimeout(r, 100));
      return heard.length > 0;
    }, 'the first announce to arrive');
    sender.announce(20, 'schedules');
    await eventually(() => heard.some(([at]) => at === 20), 'a schedule announced');
    sender.announce(30);
    await eventually(() => heard.some(([at]) => at === 30), 'an announce without a kind');
    const raw = new pg.Client({ connectionString: db.url });
    await raw.connect();
    try {
      await raw.query('SELECT pg_notify($1, $2)', [ch, 'an-older-sender:40']);
      await raw.query('BEGIN');
      await sender.announceInTransaction(50, raw, 'tasks');
      await raw.query('COMMIT');
    } finally {
      await raw.end();
    }
    await eventually(() => heard.some(([at]) => at === 50), 'a tasks announce made in a transaction');
    expect(new Map(heard)).toEqual(
      new Map<number, WakeKind>([
        [10, 'tasks'],
        [20, 'schedules'],
        [30, 'schedules'],
        [40, 'schedules'],
        [50, 'tasks'],
      ]),
    );
    expect(errors).toEqual([]);
  });

  it('by default, clusters placed in different schemas or behind different table prefixes do not wake each other', async () => {
    const tag = randomBytes(3).toString('hex');
    const app = `placed-${tag}`;
    const placed = (query: string, name: string): PgWakeSignals => {
      const s = pgWakeSignals({
        url: `${db.url}?${query}`,
        applicationName: name,
        minBackoffMs: 50,
        maxBackoffMs: 500,
      });
      opened.push(s);
      return s;
    };
    const green = collect(placed(`tablePrefix=green_${tag}_`, `${app}-green`));
    const blue = collect(placed(`schema=blue_${tag}`, `${app}-blue`));
    await listening(`${app}-green`);
    await listening(`${app}-blue`);
    const greenSender = placed(`tablePrefix=green_${tag}_`, `${app}-green-sender`);
    await eventually(async () => {
      greenSender.announce(7);
      await new Promise((r) => setTimeout(r, 100));
      return green.heard.includes(7);
    }, 'the green cluster to hear its own announce');
    const blueSender = placed(`schema=blue_${tag}`, `${app}-blue-sender`);
    await eventually(async () => {
      blueSender.announce(8);
      await new Promise((r) => setTimeout(r, 100));
      return blue.heard.includes(8);
    }, 'the blue cluster to hear its own announce');
    expect(green.heard).not.toContain(8);
    expect(blue.heard).not.toContain(7);
    expect([...green.errors, ...blue.errors]).toEqual([]);
  });

  it('coalesces announces made while a NOTIFY is under way into the earliest pending one, of a schedule if any was', async () => {
    const ch = channel();
    const app = `listen-${ch}`;
    const sender = signals(ch);
    const kinds = new Map<number, WakeKind>();
    const heard: number[] = [];
    const errors: unknown[] = [];
    unlistens.push(
      signals(ch, { applicationName: app }).listen(
        (dueAt, kind) => {
          heard.push(dueAt);
          kinds.set(dueAt, kind);
        },
        (error) => errors.push(error),
      ),
    );
    await listening(app);
    // Connects the publishing session first, so the burst below is the only thing in flight.
    await eventually(async () => {
      sender.announce(1);
      await new Promise((r) => setTimeout(r, 100));
      return heard.includes(1);
    }, 'the first announce to arrive');
    heard.length = 0;
    sender.announce(5_000, 'tasks');
    sender.announce(3_000, 'tasks');
    sender.announce(4_000, 'schedules');
    // A sentinel after the burst: the notifications of one session arrive in order.
    await new Promise((r) => setTimeout(r, 200));
    sender.announce(9_000);
    await eventually(() => heard.includes(9_000), 'the sentinel');
    expect(heard[heard.length - 1]).toBe(9_000);
    const burst = heard.slice(0, -1);
    // The first announce of the burst may have gone out alone; everything after it coalesced into the earliest.
    expect(burst).not.toContain(4_000);
    expect(burst[burst.length - 1]).toBe(3_000);
    expect(burst.length).toBeLessThanOrEqual(2);
    // The schedule's announce is in the coalesced one, whatever went out alone before it.
    expect(kinds.get(3_000)).toBe('schedules');
    expect(errors).toEqual([]);
  });

  it('ignores a malformed payload and reports it once through onError', async () => {
    const ch = channel();
    const app = `listen-${ch}`;
    const sender = signals(ch);
    const { heard, errors } = collect(signals(ch, { applicationName: app }));
    await listening(app);
    const raw = new pg.Client({ connectionString: db.url });
    await raw.connect();
    try {
      for (const payload of ['garbage', 'x:12ab', ':5', 'a:b:c', ''])
        await raw.query('SELECT pg_notify($1, $2)', [ch, payload]);
    } finally {
      await raw.end();
    }
    await eventually(async () => {
      sender.announce(42);
      await new Promise((r) => setTimeout(r, 100));
      return heard.includes(42);
    }, 'a well-formed announce after the malformed ones');
    expect(heard.every((t) => t === 42)).toBe(true);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(WakeSignalsError);
    expect(String(errors[0])).toMatch(/malformed payload/);
  });

  it('reconnects after its listening backend is terminated, reporting the failure, and hears again', async () => {
    const ch = channel();
    const app = `listen-${ch}`;
    const sender = signals(ch);
    const { heard, errors } = collect(signals(ch, { applicationName: app }));
    const pid = await listening(app);
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    } finally {
      await admin.end();
    }
    await eventually(() => errors.length > 0, 'the lost session to be reported');
    expect(errors[0]).toBeInstanceOf(WakeSignalsError);
    const again = await listening(app);
    expect(again).not.toBe(pid);
    await eventually(async () => {
      sender.announce(777);
      await new Promise((r) => setTimeout(r, 100));
      return heard.includes(777);
    }, 'a due time heard after the reconnection');
  });

  it('reports a NOTIFY that cannot be sent to the onError option, without throwing or rejecting', async () => {
    const errors: unknown[] = [];
    const s = pgWakeSignals({
      url: 'postgres://postgres@127.0.0.1:1/none',
      connectTimeoutMs: 2_000,
      onError: (e) => errors.push(e),
    });
    opened.push(s);
    s.announce(1);
    s.announce(2);
    await eventually(() => errors.length > 0, 'the failed NOTIFY to be reported');
    expect(errors[0]).toBeInstanceOf(WakeSignalsError);
    await s.close();
    expect(() =>
      s.listen(
        () => undefined,
        () => undefined,
      ),
    ).toThrow(WakeSignalsError);
  });

  it('listens with one handler at a time and refuses a malformed channel', async () => {
    const s = signals(channel());
    const first = s.listen(
      () => undefined,
      () => undefined,
    );
    expect(() =>
      s.listen(
        () => undefined,
        () => undefined,
      ),
    ).toThrow(/one handler at a time/);
    await first();
    const second = s.listen(
      () => undefined,
      () => undefined,
    );
    await second();
    expect(() => pgWakeSignals({ url: db.url, channel: 'x'.repeat(64) })).toThrow(ValidationError);
  });
});
