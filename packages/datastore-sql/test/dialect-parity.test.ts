import { DuplicateKeyError } from '@rookery/core';
import { makeNewTask, makeSchedule, schedulePeelOne } from '@rookery/core/testing';
import { QueryTypes } from 'sequelize';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dialectFor } from '../src/dialect/index.js';
import { createSqlDatastore, type SqlDatastore } from '../src/index.js';
import { SqlContext } from '../src/store/sql-context.js';
import { testDialects, wipe, type TestDatabase } from './helpers/test-databases.js';

/**
 * RELIABILITY.md §3.6 "Dialect parity": the places where SQL dialects differ under the same
 * statement, pinned so that Rookery behaves identically on each.
 */
for (const dialect of await testDialects()) {
  describe.skipIf(!dialect.available)(`dialect parity: ${dialect.label}`, () => {
    let db: TestDatabase | undefined;
    let store: SqlDatastore;

    beforeAll(async () => {
      db = await dialect.create();
      store = await createSqlDatastore({ url: db.url });
    });

    afterAll(async () => {
      await store?.close();
      await db?.drop();
    });

    beforeEach(async () => {
      await wipe(store);
    });

    const affected = (sql: string, replacements: Record<string, unknown>) =>
      store.sequelize.query(sql, { replacements, type: QueryTypes.BULKUPDATE }) as unknown as Promise<number>;

    // SQLite has one writer: no other session can commit between two reads of a transaction.
    if (dialect.label !== 'sqlite') {
      describe('transactions', () => {
        it('are READ COMMITTED: a second read sees a row another session committed after the first', async () => {
          const ctx = new SqlContext(store.sequelize, dialectFor(store.dialectName));
          const s = makeSchedule();
          const counts = await ctx.transaction('read twice', async (tx) => {
            const count = async () =>
              (await ctx.select('SELECT COUNT(*) AS n FROM rookery_schedules', {}, tx)).map((r) => Number(r['n']))[0];
            const before = await count();
            await store.scheduleCreate(s); // its own transaction, on another connection
            return [before, await count()];
          });
          expect(counts).toEqual([0, 1]);
        });
      });
    }

    describe('affected rows', () => {
      it('an UPDATE writing identical values counts 0 on MariaDB/MySQL and 1 elsewhere; bumping version counts 1 everywhere', async () => {
        const s = makeSchedule();
        await store.scheduleCreate(s);
        const identical = await affected('UPDATE rookery_schedules SET state = state WHERE id = :id', { id: s.id });
        expect(identical).toBe(store.dialectName === 'mysql' ? 0 : 1);
        const bumped = await affected(
          'UPDATE rookery_schedules SET state = state, version = version + 1 WHERE id = :id',
          {
            id: s.id,
          },
        );
        expect(bumped).toBe(1);
      });

      it('a store write of identical values still reports a match', async () => {
        const s = makeSchedule({ state: 'paused' });
        await store.scheduleCreate(s);
        const again = await store.scheduleSetState({ id: s.id, state: 'paused', now: s.updatedAt });
        expect(again?.state).toBe('paused');
        const [claimed] = await store.scheduleClaimDue({ owner: 'o', limit: 1, lookaheadMs: 0, leaseMs: 1000, now: 0 });
        expect(claimed).toBeUndefined();
      });

      it('renewing twice at the same instant (identical expiry) renews both times', async () => {
        const s = makeSchedule({ executor: 'x', nextFireAt: 0 });
        await store.scheduleCreate(s);
        const now = await store.clockNow();
        const [c] = await store.scheduleClaimDue({ owner: 'p', limit: 1, lookaheadMs: 0, leaseMs: 60_000, now });
        await schedulePeelOne(store, {
          scheduleId: s.id,
          owner: 'p',
          fence: c?.fence ?? 0,
          tasks: [makeNewTask()],
          nextFireAt: null,
          gateTaskId: null,
          nodeId: 'n',
          now,
        });
        const [t] = (
          await store.taskClaimDue({ owner: 'o', nodeId: 'n', limit: 1, leaseMs: 60_000, executors: ['x'], now })
        ).started;
        const lease = {
          owner: 'o',
          leases: [{ taskId: t?.id ?? '', fence: t?.fence ?? 0 }],
          leaseMs: 60_000,
          now: now + 1,
        };
        expect((await store.taskRenewLeases(lease)).renewed).toHaveLength(1);
        expect((await store.taskRenewLeases(lease)).renewed).toHaveLength(1);
      });

      it('insert-ignore counts 1 for a new row and 0 for a taken key', async () => {
        const s = makeSchedule({ executor: 'x', nextFireAt: 0 });
        await store.scheduleCreate(s);
        const peel = async (fireAt: number) => {
          const [c] = await store.scheduleClaimDue({ owner: 'p', limit: 1, lookaheadMs: 0, leaseMs: 60_000, now: 1 });
          return schedulePeelOne(store, {
            scheduleId: s.id,
            owner: 'p',
            fence: c?.fence ?? 0,
            tasks: [makeNewTask({ fireAt })],
            nextFireAt: 0,
            gateTaskId: null,
            nodeId: 'n',
            now: 1,
          });
        };
        expect((await peel(5)).created).toHaveLength(1);
        expect((await peel(5)).created).toHaveLength(0);
        expect((await peel(6)).created).toHaveLength(1);
      });
    });

    describe('instants and integers', () => {
      it('round-trips instants to the millisecond, beyond 2^31 and up to the largest safe integer', async () => {
        const s = makeSchedule({
          startAt: 1_700_000_000_123,
          endAt: 8_640_000_000_000_000,
          nextFireAt: 2 ** 31 + 7,
          fence: Number.MAX_SAFE_INTEGER - 1,
          createdAt: 1_700_000_000_001,
          updatedAt: 1_700_000_000_999,
        });
        await store.scheduleCreate(s);
        expect(await store.scheduleGet(s.id)).toEqual(s);
      });

      it('reads the database clock with millisecond precision', async () => {
        const readings = [];
        for (let i = 0; i < 5; i += 1) readings.push(await store.clockNow());
        expect(readings.every(Number.isSafeInteger)).toBe(true);
        expect(readings.some((r) => r % 1000 !== 0)).toBe(true);
        expect(readings).toEqual([...readings].sort((a, b) => a - b));
      });
    });

    describe('unique names', () => {
      const duplicates = async (a: string, b: string): Promise<boolean> => {
        await store.scheduleCreate(makeSchedule({ name: a }));
        const error = await store.scheduleCreate(makeSchedule({ name: b })).catch((e: unknown) => e);
        if (error === undefined || !(error instanceof Error)) return false;
        expect(error).toBeInstanceOf(DuplicateKeyError);
        expect((error as DuplicateKeyError).field).toBe('name');
        return true;
      };

      it.each([
        ['report', 'REPORT', true],
        ['Straße', 'STRASSE', false],
        ['straße', 'STRAẞE', true],
        ['r\u00e9sum\u00e9', 're\u0301sume\u0301', true],
        ['resume', 'résumé', false],
        ['a', 'a ', false],
        ['a', ' a', false],
        ['x', 'x\u200b', false],
        ["x'); DROP TABLE t;--", "X'); drop table T;--", true],
      ])('%j and %j are duplicates: %s', async (a, b, dup) => {
        expect(await duplicates(a, b)).toBe(dup);
      });
    });

    describe('session settings', () => {
      const one = async (sql: string): Promise<Record<string, unknown>> => {
        const rows = await store.sequelize.query<Record<string, unknown>>(sql, { type: QueryTypes.SELECT });
        return rows[0] ?? {};
      };

      it('sets the journal, timeouts, time zone and session name of the dialect', async () => {
        if (store.dialectName === 'sqlite') {
          expect(Object.values(await one('PRAGMA journal_mode'))).toEqual(['wal']);
          expect(Number(Object.values(await one('PRAGMA busy_timeout'))[0])).toBe(20);
          expect(Object.values(await one('PRAGMA synchronous'))).toEqual([1]);
          expect(Object.values(await one('PRAGMA foreign_keys'))).toEqual([1]);
        } else if (store.dialectName === 'postgres') {
          expect(await one('SHOW statement_timeout')).toEqual({ statement_timeout: '30s' });
          expect(await one('SHOW lock_timeout')).toEqual({ lock_timeout: '30s' });
          expect(await one('SHOW idle_in_transaction_session_timeout')).toEqual({
            idle_in_transaction_session_timeout: '5s',
          });
          expect(await one('SHOW application_name')).toEqual({ application_name: 'rookery' });
        } else {
          const s = await one(
            'SELECT @@session.time_zone AS tz, @@session.innodb_lock_wait_timeout AS lockWait,' +
              ' @@session.max_statement_time AS statementTime, @@session.sql_mode AS sqlMode,' +
              ' @@session.idle_transaction_timeout AS idleTransaction',
          );
          expect(s['tz']).toBe('+00:00');
          expect(Number(s['lockWait'])).toBe(30);
          expect(Number(s['statementTime'])).toBe(30);
          expect(Number(s['idleTransaction'])).toBe(5);
          expect(String(s['sqlMode'])).toContain('STRICT_ALL_TABLES');
        }
      });
    });

    describe('capabilities', () => {
      it('has RETURNING exactly where the capability says so', async () => {
        const returning = await store.sequelize
          .query("UPDATE rookery_nodes SET host = 'h' WHERE id = 'none' RETURNING id", { type: QueryTypes.SELECT })
          .then(
            () => true,
            () => false,
          );
        expect(returning).toBe(store.dialectName !== 'mysql');
      });
    });
  });
}
