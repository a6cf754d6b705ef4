import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { makeNewTask, makeSchedule, schedulePeelOne } from '@rookery/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlDatastore } from '../src/index.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const worker = join(here, 'helpers', 'sqlite-claim-worker.mjs');
const built = join(here, '..', 'dist', 'index.js');

interface WorkerReport {
  owner: string;
  claimed: string[];
  errors: string[];
}

describe('sqlite: several processes on one file', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rookery-mp-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('two processes hammering taskClaimDue never claim one task twice and see no SQLITE_BUSY', async () => {
    expect(existsSync(built), `build first (npx tsc -b packages/datastore-sql): ${built} is missing`).toBe(true);
    const url = `sqlite:${join(dir, 'shared.db')}`;
    const store = await createSqlDatastore({ url });
    const executor = 'mp';
    const schedule = makeSchedule({ executor, nextFireAt: 0 });
    await store.scheduleCreate(schedule);
    const now = await store.clockNow();
    const [claimed] = await store.scheduleClaimDue({ owner: 'seed', limit: 1, lookaheadMs: 0, leaseMs: 60_000 });
    const tasks = Array.from({ length: 300 }, () => makeNewTask({ dueAt: now - 1000 }));
    const peeled = await schedulePeelOne(store, {
      scheduleId: schedule.id,
      owner: 'seed',
      fence: claimed?.fence ?? 0,
      tasks,
      nextFireAt: null,
      gateTaskId: null,
      nodeId: 'seed',
    });
    expect(peeled.created).toHaveLength(300);

    // Both workers begin at one instant, after both have had time to start and connect.
    const startAt = String(Date.now() + 2_000);
    const reports = await Promise.all(
      ['proc-1', 'proc-2'].map(async (owner) => {
        const { stdout } = await run(process.execPath, [worker, url, owner, executor, '3', startAt], {
          cwd: here,
          timeout: 120_000,
        });
        return JSON.parse(stdout) as WorkerReport;
      }),
    );
    for (const r of reports) expect(r.errors).toEqual([]);
    const ids = reports.flatMap((r) => r.claimed);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(tasks.map((t) => t.id).sort());
    for (const r of reports) expect(r.claimed.length).toBeGreaterThan(0);

    const done = await store.taskList({ scheduleId: schedule.id, limit: 1000 });
    expect(done.every((t) => t.state === 'completed' && t.fence === 1 && t.attempt === 1)).toBe(true);
    await store.close();
  }, 180_000);
});
