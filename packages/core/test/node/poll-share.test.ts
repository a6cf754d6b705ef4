import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryDatastore, RookeryClient, type WakeSignals } from '../../src/index.js';
import { MOST_POLL_SHARE, pollShareOf } from '../../src/node/poll-share.js';
import { memoryWakeBus, startTestNode, stopUnderFakeTime, useFakeTime } from './harness.js';

const HEARTBEAT_MS = 1_000;
const POLL_MS = 100;

describe('pollShareOf', () => {
  const now = 1_000_000;
  const node = (executors: string[], heartbeatAt = now, stoppedAt: number | null = null) => ({
    executors,
    heartbeatAt,
    stoppedAt,
  });

  it('counts the running nodes that offer every executor this one offers, itself included', () => {
    const nodes = [
      node(['a', 'b']),
      node(['a', 'b', 'c']),
      node(['a']), // cannot stand in for b
      node(['a', 'b'], now, now - 10), // stopped
      node(['a', 'b'], now - 3 * HEARTBEAT_MS - 1), // silent for more than three heartbeats
      node(['a', 'b'], now - 3 * HEARTBEAT_MS), // late, still live
    ];
    expect(pollShareOf(nodes, ['a', 'b'], now, HEARTBEAT_MS)).toBe(3);
    expect(pollShareOf(nodes, ['a'], now, HEARTBEAT_MS)).toBe(4);
  });

  it('is at least 1 and at most MOST_POLL_SHARE', () => {
    expect(pollShareOf([], ['a'], now, HEARTBEAT_MS)).toBe(1);
    const many = Array.from({ length: 40 }, () => node(['a']));
    expect(pollShareOf(many, ['a'], now, HEARTBEAT_MS)).toBe(MOST_POLL_SHARE);
  });
});

describe('nodes with wake signals share their polls', () => {
  beforeEach(() => useFakeTime());
  afterEach(() => vi.useRealTimers());

  /** Three idle nodes on one store, with `signals()` each, and their claim queries counted by node. */
  async function idleCluster(signals: () => WakeSignals | undefined) {
    const datastore = new MemoryDatastore();
    const claims = new Map<string, number>();
    const claimTimes: { nodeId: string; at: number }[] = [];
    const taskClaimDue = datastore.taskClaimDue.bind(datastore);
    datastore.taskClaimDue = (p) => {
      claims.set(p.nodeId, (claims.get(p.nodeId) ?? 0) + 1);
      claimTimes.push({ nodeId: p.nodeId, at: Date.now() });
      return taskClaimDue(p);
    };
    const starts: number[] = [];
    const nodes = [];
    for (let i = 0; i < 3; i += 1) {
      const wakeSignals = signals();
      const { node, errors } = await startTestNode(
        datastore,
        { noop: async () => void starts.push(Date.now()) },
        {
          id: `n${i}`,
          pollWaitsMs: [POLL_MS],
          heartbeatEveryMs: HEARTBEAT_MS,
          ...(wakeSignals ? { wakeSignals } : {}),
        },
      );
      nodes.push({ node, errors });
    }
    // Every node has heartbeated since all three registered.
    await vi.advanceTimersByTimeAsync(HEARTBEAT_MS + 50);
    const claimsOver = async (ms: number): Promise<number> => {
      claims.clear();
      await vi.advanceTimersByTimeAsync(ms);
      return [...claims.values()].reduce((a, b) => a + b, 0);
    };
    return { datastore, nodes, claims, claimTimes, claimsOver, starts };
  }

  it('an idle cluster of three with wake signals polls a third as often as one without; a lone node polls at its own pace again', async () => {
    const without = await idleCluster(() => undefined);
    const withoutClaims = await without.claimsOver(10_000);
    for (const { node } of without.nodes) await stopUnderFakeTime(node);

    const bus = memoryWakeBus();
    const shared = await idleCluster(() => bus.signals());
    const sharedClaims = await shared.claimsOver(10_000);
    // 3 nodes × 10 s / 100 ms = 300 polls without; each node waits three times as long with.
    expect(withoutClaims).toBeGreaterThanOrEqual(290);
    expect(sharedClaims).toBeGreaterThanOrEqual(90);
    expect(sharedClaims).toBeLessThanOrEqual(withoutClaims / 3 + 10);

    // Two nodes stop: after its next heartbeat the last one polls every 100 ms again.
    const [first, second, last] = shared.nodes;
    await stopUnderFakeTime(first!.node);
    await stopUnderFakeTime(second!.node);
    await vi.advanceTimersByTimeAsync(HEARTBEAT_MS + 400);
    expect(await shared.claimsOver(2_000)).toBeGreaterThanOrEqual(19);
    await stopUnderFakeTime(last!.node);
    for (const { errors } of [...without.nodes, ...shared.nodes]) expect(errors).toEqual([]);
  });

  it('a node that found work within two poll waits polls at its own pace; then at the shared one', async () => {
    const bus = memoryWakeBus();
    const cluster = await idleCluster(() => bus.signals());
    // A job nobody announced (a client without wake signals): some node's shared poll finds it.
    const client = new RookeryClient({ datastore: cluster.datastore });
    await client.enqueue({ executor: 'noop' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(cluster.starts).toHaveLength(1);
    const startedAt = cluster.starts[0]!;
    const [ran] = await cluster.datastore.taskList();
    const after = cluster.claimTimes.filter((c) => c.nodeId === ran?.nodeId && c.at >= startedAt).map((c) => c.at);
    // The round that carries its finish (at the claim pace; the slot it frees calls for no
    // claim, the last round having taken all that was due), then polls a poll wait apart until
    // it has found nothing for two poll waits, then polls a wait shared by three apart.
    const gaps = after.slice(1).map((at, i) => at - after[i]!);
    expect(gaps.slice(0, 5)).toEqual([10, POLL_MS, POLL_MS, 3 * POLL_MS, 3 * POLL_MS]);
    for (const { node, errors } of cluster.nodes) {
      await stopUnderFakeTime(node);
      expect(errors).toEqual([]);
    }
  });

  it('work found at the due time of a task the node peeled itself leaves its polls shared', async () => {
    const bus = memoryWakeBus();
    const cluster = await idleCluster(() => bus.signals());
    await vi.advanceTimersByTimeAsync(2_000);
    // A client without wake signals: a node's periodic peel finds the schedule, and only that
    // node's alarm is set for its due time (the others hear the task announced).
    const client = new RookeryClient({ datastore: cluster.datastore });
    const dueAt = Date.now() + 3_000;
    const s = await client.createSchedule({ name: 'once', executor: 'noop', trigger: { kind: 'once', at: dueAt } });
    await vi.advanceTimersByTimeAsync(4_000);
    expect(cluster.starts).toEqual([dueAt]);
    const [ran] = await cluster.datastore.taskList();
    // The node that peeled the task (its creation event names it) ran it, at its own alarm.
    const [created] = await cluster.datastore.taskEvents(ran?.id ?? '');
    expect(created?.nodeId).toBe(ran?.nodeId);
    expect(ran?.scheduleId).toBe(s.id);
    const after = cluster.claimTimes.filter((c) => c.nodeId === ran?.nodeId && c.at > dueAt).map((c) => c.at);
    // The round that carries its finish (at the claim pace), then polls a wait shared by three apart.
    expect(after[0]).toBe(dueAt + 10);
    const gaps = after.slice(1).map((at, i) => at - after[i]!);
    expect(gaps.slice(0, 3)).toEqual([3 * POLL_MS, 3 * POLL_MS, 3 * POLL_MS]);
    for (const { node, errors } of cluster.nodes) {
      await stopUnderFakeTime(node);
      expect(errors).toEqual([]);
    }
  });

  it('work another process announced counts as found: the later jobs of an enqueueMany are announced by none', async () => {
    const bus = memoryWakeBus();
    const cluster = await idleCluster(() => bus.signals());
    await vi.advanceTimersByTimeAsync(2_000);
    const client = new RookeryClient({ datastore: cluster.datastore, wakeSignals: bus.signals() });
    const dueAt = Date.now() + 1_000;
    await client.enqueue({ executor: 'noop', runAt: dueAt });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(cluster.starts).toEqual([dueAt]);
    const [ran] = await cluster.datastore.taskList();
    const after = cluster.claimTimes.filter((c) => c.nodeId === ran?.nodeId && c.at > dueAt).map((c) => c.at);
    // The round that carries its finish, then polls a poll wait apart for two poll waits, then shared.
    expect(after[0]).toBe(dueAt + 10);
    const gaps = after.slice(1).map((at, i) => at - after[i]!);
    expect(gaps.slice(0, 3)).toEqual([POLL_MS, POLL_MS, 3 * POLL_MS]);
    for (const { node, errors } of cluster.nodes) {
      await stopUnderFakeTime(node);
      expect(errors).toEqual([]);
    }
  });

  it('announced work still starts at its due time while the polls are shared', async () => {
    const bus = memoryWakeBus();
    const cluster = await idleCluster(() => bus.signals());
    const client = new RookeryClient({ datastore: cluster.datastore, wakeSignals: bus.signals() });
    const dueAt = Date.now() + 1_000;
    await client.enqueue({ executor: 'noop', runAt: dueAt });
    await vi.advanceTimersByTimeAsync(1_500);
    expect(cluster.starts).toHaveLength(1);
    expect(cluster.starts[0]! - dueAt).toBeLessThanOrEqual(20);
    for (const { node, errors } of cluster.nodes) {
      await stopUnderFakeTime(node);
      expect(errors).toEqual([]);
    }
  });
});
