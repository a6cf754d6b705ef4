import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from '../fixtures.js';

/** Node records: register, heartbeat, stop, re-register, listing order. */
export function describeNodes(ctx: ConformanceContext): void {
  describe('nodes', () => {
    const node = { id: 'node-1', host: 'host-1', pid: 4242, executors: ['a', 'b'], clockOffsetMs: 12 };

    it('registers a node with start and heartbeat from the store clock', async () => {
      const { store } = ctx;
      const before = await store.clockNow();
      const record = await store.nodeRegister(node);
      const after = await store.clockNow();
      expect(record).toMatchObject({ ...node, stoppedAt: null });
      expect(record.startedAt).toBeGreaterThanOrEqual(before);
      expect(record.startedAt).toBeLessThanOrEqual(after);
      expect(record.heartbeatAt).toBe(record.startedAt);
      expect(await store.nodeList()).toEqual([record]);
    });

    it('records heartbeats and clock offsets, stops, and re-registers', async () => {
      const { store, t0 } = ctx;
      await store.nodeRegister(node);
      expect(await store.nodeHeartbeat({ id: node.id, clockOffsetMs: -250, now: t0 + 5000 })).toBe(t0 + 5000);
      expect((await store.nodeList())[0]).toMatchObject({ heartbeatAt: t0 + 5000, clockOffsetMs: -250 });
      await store.nodeStop({ id: node.id, now: t0 + 6000 });
      expect((await store.nodeList())[0]).toMatchObject({ stoppedAt: t0 + 6000 });
      const again = await store.nodeRegister({ ...node, pid: 4343, executors: ['c'] });
      expect(again).toMatchObject({ id: node.id, pid: 4343, executors: ['c'], stoppedAt: null });
      expect(await store.nodeList()).toHaveLength(1);
    });

    it('a heartbeat without now records and answers the store clock; one of an unknown node answers it and writes nothing', async () => {
      const { store } = ctx;
      await store.nodeRegister(node);
      const before = await store.clockNow();
      const at = await store.nodeHeartbeat({ id: node.id, clockOffsetMs: 7 });
      const after = await store.clockNow();
      expect(at).toBeGreaterThanOrEqual(before);
      expect(at).toBeLessThanOrEqual(after);
      expect(await store.nodeList()).toMatchObject([{ id: node.id, heartbeatAt: at, clockOffsetMs: 7 }]);
      expect(await store.nodeHeartbeat({ id: 'nobody', clockOffsetMs: 0 })).toBeGreaterThanOrEqual(at);
      expect(await store.nodeList()).toHaveLength(1);
    });

    it('lists running nodes before stopped ones', async () => {
      const { store, t0 } = ctx;
      await store.nodeRegister({ ...node, id: 'stopped' });
      await store.nodeRegister({ ...node, id: 'running' });
      await store.nodeStop({ id: 'stopped', now: t0 });
      expect((await store.nodeList()).map((n) => n.id)).toEqual(['running', 'stopped']);
    });
  });
}
