import type { Datastore, RookeryClient, Schedule, Task } from '@rookery/core';
import { makeNewTask, schedulePeelOne } from '@rookery/core/testing';

/** What each route test starts from. */
export interface ApiFixture {
  /** An active interval schedule named `nightly`, with three ledger rows. */
  schedule: Schedule;
  /** Its ledger rows, oldest fire time first; the oldest cancelled, with a log line. */
  ledger: Task[];
  /** A pending job with two log lines. */
  job: Task;
}

/** A schedule input named `name`: the built-in `noop` executor, every minute. */
export function scheduleInput(name: string): {
  name: string;
  executor: string;
  trigger: { kind: 'interval'; everyMs: number };
} {
  return { name, executor: 'noop', trigger: { kind: 'interval', everyMs: 60_000 } };
}

/** Creates `nightly` with three ledger rows (peeled as a node would; the oldest cancelled) and a job with a log. */
export async function seedFixture(client: RookeryClient, store: Datastore): Promise<ApiFixture> {
  const created = await client.createSchedule(scheduleInput('nightly'));
  const now = await store.clockNow();
  const [claimed] = await store.scheduleClaimDue({
    owner: 'fixture',
    limit: 10,
    lookaheadMs: 3_600_000,
    leaseMs: 30_000,
  });
  if (!claimed || claimed.id !== created.id) throw new Error('fixture: nightly was not claimable');
  const rows = [3, 2, 1].map((m) => makeNewTask({ fireAt: now - m * 60_000 }));
  const peeled = await schedulePeelOne(store, {
    scheduleId: created.id,
    owner: 'fixture',
    fence: claimed.fence,
    tasks: rows,
    nextFireAt: now + 60_000,
    gateTaskId: null,
    nodeId: 'fixture-node',
  });
  if (!peeled.ok) throw new Error('fixture: the peel lost its lease');
  const { task: job } = await client.enqueue({ executor: 'noop', payload: { job: 1 } });
  await store.taskLogAppend({
    taskId: job.id,
    lines: [
      { at: now, line: 'first line' },
      { at: now + 1, line: 'second line' },
    ],
  });
  const ledger = [...peeled.created].sort((a, b) => a.fireAt - b.fireAt);
  const oldest = ledger[0];
  if (!oldest) throw new Error('fixture: the peel made no task');
  await store.taskLogAppend({ taskId: oldest.id, lines: [{ at: now, line: 'ledger line' }] });
  ledger[0] = await client.cancelTask(oldest.id, 'fixture');
  const schedule = await client.getSchedule(created.id);
  return { schedule, ledger, job };
}
