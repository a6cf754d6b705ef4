import type { NodeHeartbeatParams, NodeRecord, NodeRegisterParams, NodeStopParams } from '@rookery/core';
import { nodeFromRow } from './row-mapping.js';
import type { CallerTransaction } from './caller-transaction.js';
import type { SqlContext } from './sql-context.js';

/** Registers (or re-registers) a node; start and heartbeat instants are the database clock. */
export async function nodeRegister(ctx: SqlContext, node: NodeRegisterParams): Promise<NodeRecord> {
  return ctx.transaction('register node', async (tx) => {
    const now = await ctx.clock(tx);
    const r = {
      id: node.id,
      host: node.host,
      pid: node.pid,
      executors: JSON.stringify(node.executors),
      now,
      offset: Math.round(node.clockOffsetMs),
    };
    const updated = await ctx.write(
      'UPDATE rookery_nodes SET host = :host, pid = :pid, executors = :executors, started_at = :now,' +
        ' heartbeat_at = :now, stopped_at = NULL, clock_offset_ms = :offset WHERE id = :id',
      r,
      tx,
    );
    if (updated === 0) {
      await ctx.write(
        'INSERT INTO rookery_nodes (id, host, pid, executors, started_at, heartbeat_at, stopped_at, clock_offset_ms)' +
          ' VALUES (:id, :host, :pid, :executors, :now, :now, NULL, :offset)',
        r,
        tx,
      );
    }
    const rows = await ctx.select('SELECT * FROM rookery_nodes WHERE id = :id', { id: node.id }, tx);
    return nodeFromRow(rows[0] ?? {});
  });
}

/**
 * Records a heartbeat and clock offset (ms, rounded); returns the instant recorded. Where a write
 * can answer its row and the clock is the server's, the clock is read inside the write: one
 * statement, whose instant a node may take as the midpoint of its round trip.
 */
export async function nodeHeartbeat(ctx: SqlContext, p: NodeHeartbeatParams): Promise<number> {
  return ctx.single('record node heartbeat', async () => {
    const values = { id: p.id, offset: Math.round(p.clockOffsetMs) };
    const { dialect } = ctx;
    if (p.now === undefined && dialect.supportsReturning && !dialect.hostClock) {
      const rows = await ctx.select(
        `UPDATE rookery_nodes SET heartbeat_at = ${dialect.clockSql}, clock_offset_ms = :offset` +
          ' WHERE id = :id RETURNING heartbeat_at',
        values,
      );
      // An unknown node: nothing was written, and the clock is read on its own.
      return rows[0] ? Number(rows[0]['heartbeat_at']) : ctx.clock();
    }
    const now = await ctx.now(p.now);
    await ctx.write('UPDATE rookery_nodes SET heartbeat_at = :now, clock_offset_ms = :offset WHERE id = :id', {
      ...values,
      now,
    });
    return now;
  });
}

/** Marks a node stopped. */
export async function nodeStop(ctx: SqlContext, p: NodeStopParams): Promise<void> {
  await ctx.single('stop node', async () => {
    const now = await ctx.now(p.now);
    await ctx.write('UPDATE rookery_nodes SET stopped_at = :now WHERE id = :id', { id: p.id, now });
  });
}

/** Lists nodes: running ones first, then by latest heartbeat. */
export async function nodeList(ctx: SqlContext, caller?: CallerTransaction): Promise<NodeRecord[]> {
  const list = async (): Promise<NodeRecord[]> => {
    const rows = await ctx.select(
      'SELECT * FROM rookery_nodes ORDER BY CASE WHEN stopped_at IS NULL THEN 0 ELSE 1 END, heartbeat_at DESC, id',
      {},
      caller,
    );
    return rows.map(nodeFromRow);
  };
  return caller ? ctx.inCaller('list nodes', list) : ctx.single('list nodes', list);
}
