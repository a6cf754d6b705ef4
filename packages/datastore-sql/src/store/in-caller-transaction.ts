import type { DatastoreInTransaction } from '@rookery/core';
import { openCallerTransaction } from './caller-transaction.js';
import { nodeList } from './nodes.js';
import { scheduleCreate } from './schedules.js';
import type { SqlContext } from './sql-context.js';
import { taskEnqueue } from './tasks-enqueue.js';

/**
 * The store's operations in the caller's open transaction on `handle`, every statement on the
 * caller's connection (none on the store's pool or its one SQLite connection, so a caller who
 * holds SQLite's write lock never waits for the store). Checks the handle first: a
 * ValidationError on `transaction` for a handle of another driver, a pool, or a connection
 * with no transaction open.
 */
export async function datastoreInTransaction(ctx: SqlContext, handle: unknown): Promise<DatastoreInTransaction> {
  const caller = await ctx.inCaller("join the caller's transaction", () => openCallerTransaction(ctx.dialect, handle));
  return {
    clockNow: () => ctx.inCaller('read the database clock', () => ctx.clock(caller)),
    nodeList: () => nodeList(ctx, caller),
    taskEnqueue: (params) => taskEnqueue(ctx, params, caller),
    scheduleCreate: (schedule) => scheduleCreate(ctx, schedule, caller),
  };
}
