import { describe, expect, it } from 'vitest';
import { createHealth, type HealthNode } from '../src/index.js';

function nodeAt(state: Partial<HealthNode>): HealthNode {
  return { isRunning: true, msSinceLoopTurn: 100, clockOffset: 0, ...state };
}

const answering = { clockNow: async () => 0 };

describe('createHealth', () => {
  it('liveness fails only while a running node’s loop has not turned for longer than loopStaleMs', () => {
    const live = (node: HealthNode) => createHealth({ node, datastore: answering, loopStaleMs: 1_000 }).liveness().ok;
    expect(live(nodeAt({ msSinceLoopTurn: 1_000 }))).toBe(true);
    expect(live(nodeAt({ msSinceLoopTurn: 1_001 }))).toBe(false);
    expect(live(nodeAt({ msSinceLoopTurn: null }))).toBe(true);
    expect(live(nodeAt({ isRunning: false, msSinceLoopTurn: 60_000 }))).toBe(true);
  });

  it('readiness fails on a clock offset beyond the bound, either way, and on a schema problem', async () => {
    const ready = async (node: HealthNode, schema: string | null = null) =>
      (
        await createHealth({
          node,
          datastore: answering,
          maxClockOffsetMs: 500,
          schemaProblem: async () => schema,
        }).readiness()
      ).checks
        .filter((c) => !c.ok)
        .map((c) => c.name);
    expect(await ready(nodeAt({ clockOffset: 500 }))).toEqual([]);
    expect(await ready(nodeAt({ clockOffset: -501 }))).toEqual(['clock']);
    expect(await ready(nodeAt({ clockOffset: 501 }))).toEqual(['clock']);
    expect(await ready(nodeAt({}), '1 migration(s) pending')).toEqual(['schema']);
    expect(await ready(nodeAt({ isRunning: false }))).toEqual(['running']);
  });

  it('readiness fails with the database’s error, or when it does not answer within databaseTimeoutMs', async () => {
    const failing = { clockNow: () => Promise.reject(new Error('connect ECONNREFUSED')) };
    const down = await createHealth({ node: nodeAt({}), datastore: failing }).readiness();
    expect(down.checks.find((c) => c.name === 'database')).toEqual({
      name: 'database',
      ok: false,
      detail: 'connect ECONNREFUSED',
    });
    const hanging = { clockNow: () => new Promise<number>(() => undefined) };
    const slow = await createHealth({ node: nodeAt({}), datastore: hanging, databaseTimeoutMs: 1 }).readiness();
    expect(slow.checks.find((c) => c.name === 'database')?.detail).toBe('the database did not answer within 1 ms');
  });
});
