import { describe, expect, it } from 'vitest';
import { MemoryDatastore, NotFoundError, RookeryClient, type Page, type Schedule } from '../../src/index.js';

const BASE = { executor: 'noop', trigger: { kind: 'interval', everyMs: 60_000 } } as const;

describe('RookeryClient pages', () => {
  it('pages schedules by name with an opaque cursor, searching names without regard to case', async () => {
    const client = new RookeryClient({ datastore: new MemoryDatastore(), builtInExecutors: ['noop'] });
    for (const name of ['alpha', 'Beta', 'gamma', 'delta', 'epsilon']) await client.createSchedule({ ...BASE, name });
    const names: string[][] = [];
    let page: Page<Schedule> = await client.pageSchedules({ limit: 2 });
    names.push(page.items.map((s) => s.name));
    while (page.nextCursor !== null) {
      page = await client.pageSchedules({ limit: 2, cursor: page.nextCursor });
      names.push(page.items.map((s) => s.name));
    }
    expect(names).toEqual([['alpha', 'Beta'], ['delta', 'epsilon'], ['gamma']]);
    expect((await client.pageSchedules({ q: 'TA' })).items.map((s) => s.name)).toEqual(['Beta', 'delta']);
    expect((await client.pageSchedules({ limit: 5 })).nextCursor).toBeNull();
  });

  it('pages a schedule ledger by name, and reads task logs and the overview', async () => {
    const store = new MemoryDatastore();
    const client = new RookeryClient({ datastore: store, builtInExecutors: ['noop'] });
    const jobs = await client.enqueueMany([1, 2, 3].map((n) => ({ executor: 'noop', payload: { n } })));
    const first = await client.pageTasks({ limit: 2 });
    expect(first.items).toHaveLength(2);
    const second = await client.pageTasks({ limit: 2, cursor: first.nextCursor ?? '' });
    expect([...first.items, ...second.items].map((t) => t.id).sort()).toEqual(jobs.map((j) => j.task.id).sort());
    expect(second.nextCursor).toBeNull();
    await expect(client.pageTasks({ schedule: 'nope' })).rejects.toBeInstanceOf(NotFoundError);
    const id = jobs[0]?.task.id ?? '';
    await store.taskLogAppend({
      taskId: id,
      lines: [
        { at: 1, line: 'one' },
        { at: 2, line: 'two' },
      ],
    });
    const lines = await client.taskLogs({ id });
    expect(lines.map((l) => l.line)).toEqual(['one', 'two']);
    expect((await client.taskLogs({ id, afterSeq: lines[0]?.seq ?? 0 })).map((l) => l.line)).toEqual(['two']);
    await expect(client.taskLogs({ id: 'missing' })).rejects.toBeInstanceOf(NotFoundError);
    const overview = await client.overview();
    expect(overview.tasks).toEqual({ pending: 3, running: 0, completedLastHour: 0, failedLastHour: 0 });
    expect([overview.backlog, overview.latenessMs, overview.startedPerSecond, overview.nodes]).toEqual([
      3,
      null,
      0,
      [],
    ]);
  });
});

describe('RookeryClient overview', () => {
  it('reports running tasks per node, starts per second and nearest-rank lateness percentiles', async () => {
    const store = new MemoryDatastore();
    const client = new RookeryClient({ datastore: store, builtInExecutors: ['noop'] });
    const now = await store.clockNow();
    await client.enqueueMany([5000, 3000, 1000].map((ago) => ({ executor: 'noop', runAt: now - ago })));
    await store.nodeRegister({ id: 'node-1', host: 'h', pid: 1, executors: ['noop'], clockOffsetMs: 0 });
    await store.taskClaimDue({ owner: 'o', nodeId: 'node-1', limit: 10, leaseMs: 60_000, executors: ['noop'], now });
    const overview = await client.overview();
    expect(overview.latenessMs).toEqual({ p50: 3000, p99: 5000 });
    expect(overview.startedPerSecond).toBeCloseTo(3 / 60);
    expect(overview.nodes.map((n) => [n.id, n.alive, n.running])).toEqual([['node-1', true, 3]]);
    expect(overview.tasks).toEqual({ pending: 0, running: 3, completedLastHour: 0, failedLastHour: 0 });
  });
});
