import {
  isTerminalTaskState,
  taskPoliciesOf,
  type NewTask,
  type Schedule,
  type ScheduleClaimDueParams,
  type SchedulePeelManyParams,
  type SchedulePeelParams,
  type SchedulePeelResult,
  type Task,
} from '@rookery/core';
import { scheduleFromRow, taskFromRow } from './row-mapping.js';
import { taskPolicyColumns, type TaskPolicyColumns } from './task-policy-columns.js';
import { markOnceSchedulesDone } from './schedules-done.js';
import { gateRelease } from './schedules.js';
import type { SqlContext, Tx } from './sql-context.js';
import { TASK_COLUMNS } from './task-columns.js';
import { insertEvents, readTasks } from './task-effects.js';
import { leaseFree, leaseWritten } from './lease-sql.js';

/**
 * Claims due, active, ungated schedules whose lease is free: one short transaction that picks
 * candidates (skipping rows locked by a concurrent claim where supported), takes their lease
 * with a conditional UPDATE (fence + 1), and reads them back. The dialect's fast path
 * (`FastPaths.claimSchedules`) where it has one.
 */
export async function scheduleClaimDue(ctx: SqlContext, p: ScheduleClaimDueParams): Promise<Schedule[]> {
  if (p.limit <= 0) return [];
  const fast = ctx.dialect.fastPaths;
  if (fast) return fast.claimSchedules(ctx, p);
  const d = ctx.dialect;
  return ctx.transaction('claim due schedules', async (tx) => {
    const now = await ctx.now(p.now, tx);
    const r = { now, horizon: now + p.lookaheadMs, limit: p.limit, owner: p.owner, expires: now + p.leaseMs };
    const due = "state = 'active' AND gate_task_id IS NULL AND next_fire_at IS NOT NULL AND next_fire_at <= :horizon";
    const candidates = await ctx.select(
      `SELECT id FROM rookery_schedules${d.claimTableHint('rookery_schedules_due')} WHERE ${due} AND ${leaseFree()}` +
        ` ORDER BY next_fire_at${d.limitClause()}${d.claimLockSuffix}`,
      r,
      tx,
    );
    const ids = candidates.map((c) => String(c['id']));
    if (ids.length === 0) return [];
    // The candidates are locked (FOR UPDATE, or the database's one write lock), so they are still
    // due and free: the UPDATE finds them by primary key alone.
    await ctx.writeLater(
      'UPDATE rookery_schedules SET lease_owner = :owner, lease_expires_at = :expires, fence = fence + 1,' +
        ` version = version + 1, updated_at = :now WHERE id IN (:ids) AND ${leaseFree()}`,
      { ...r, ids },
      tx,
    );
    const rows = await ctx.select(
      `SELECT * FROM rookery_schedules WHERE id IN (:ids) AND ${leaseWritten()}` + ' ORDER BY next_fire_at',
      { ...r, ids },
      tx,
    );
    return rows.map(scheduleFromRow);
  });
}

/** Task rows per INSERT statement of a peel. */
const ROWS_PER_INSERT = 100;

/**
 * True for a peel that may end a `once` schedule by itself: it leaves no next fire time and no
 * gate, and writes its fire time as a terminal ledger row (a misfire recorded `missed`). Any
 * other once schedule ends with its task.
 */
function peelEndsOnce(peel: SchedulePeelParams | undefined): boolean {
  return (
    peel !== undefined &&
    peel.nextFireAt === null &&
    peel.gateTaskId === null &&
    peel.tasks.some((t) => isTerminalTaskState(t.state))
  );
}

/**
 * Writes the results of peeling claimed schedules, in one transaction. The schedules' rows are
 * read and locked first (in id order); a peel whose (owner, fence, state active) no longer
 * holds writes nothing and is answered `ok: false` (an expired lease nobody claimed since still
 * peels: see `Datastore.schedulePeelMany`). The held schedules get
 * their next fire time and gate and release their lease (one UPDATE per distinct outcome); all
 * their tasks go in with multi-row inserts that skip a task whose (schedule, fire time) exists
 * (not reported); a gate on a task that was not inserted is dropped; every created task's
 * transition is recorded; a `once` schedule whose fire time went in as a terminal ledger row is
 * `done`. The dialect's fast path (`FastPaths.peelSchedules`) where it has one, then, for such a
 * once schedule, a transaction that ends it.
 */
export async function schedulePeelMany(ctx: SqlContext, p: SchedulePeelManyParams): Promise<SchedulePeelResult[]> {
  if (p.peels.length === 0) return [];
  const fast = ctx.dialect.fastPaths;
  if (fast) {
    const results = await fast.peelSchedules(ctx, p);
    const over = p.peels
      .filter((peel, i) => results[i]?.ok === true && peelEndsOnce(peel))
      .map((peel) => peel.scheduleId);
    if (over.length > 0)
      await ctx.transaction('end once schedules', async (tx) =>
        markOnceSchedulesDone(ctx, tx, over, await ctx.now(p.now, tx)),
      );
    return results;
  }
  const d = ctx.dialect;
  return ctx.transaction(p.peels.length === 1 ? 'peel schedule' : `peel ${p.peels.length} schedules`, async (tx) => {
    const now = await ctx.now(p.now, tx);
    const rows = await ctx.select(
      `SELECT * FROM rookery_schedules${d.lockTableHint} WHERE id IN (:ids) ORDER BY id${d.lockSuffix}`,
      { ids: p.peels.map((peel) => peel.scheduleId) },
      tx,
    );
    const schedules = new Map(rows.map((r) => [String(r['id']), scheduleFromRow(r)]));
    const held = new Map<number, Schedule>();
    const peeled = new Set<string>();
    const updates = new Map<string, { ids: string[]; values: Record<string, unknown> }>();
    for (const [i, peel] of p.peels.entries()) {
      const s = schedules.get(peel.scheduleId);
      // Owner and fence, not expiry: see Datastore.schedulePeelMany for why an expired, unclaimed lease may still peel.
      if (!s || s.state !== 'active' || s.leaseOwner !== peel.owner || s.fence !== peel.fence) continue;
      if (peeled.has(s.id)) continue; // listed twice: peeled once
      peeled.add(s.id);
      held.set(i, s);
      const values = {
        nextFireAt: peel.nextFireAt,
        gateTaskId: peel.gateTaskId,
        gateRelease: gateRelease(s, peel.gateTaskId),
      };
      const key = JSON.stringify(values);
      const update = updates.get(key) ?? { ids: [] as string[], values };
      update.ids.push(s.id);
      updates.set(key, update);
    }
    for (const { ids, values } of updates.values()) {
      await ctx.writeLater(
        'UPDATE rookery_schedules SET next_fire_at = :nextFireAt, gate_task_id = :gateTaskId, gate_release = :gateRelease,' +
          ' lease_owner = NULL, lease_expires_at = NULL, version = version + 1, updated_at = :now WHERE id IN (:ids)',
        { ids, now, ...values },
        tx,
      );
    }

    const taskRows = [...held.entries()].flatMap(([i, s]) => {
      const from: FromSchedule = {
        scheduleId: s.id,
        executor: s.executor,
        payload: JSON.stringify(s.payload),
        ...taskPolicyColumns(taskPoliciesOf(s.policies)),
      };
      return (p.peels[i]?.tasks ?? []).map((t) => taskValues(t, from, now));
    });
    const inserted = await insertTaskRows(ctx, tx, taskRows);
    const insertedIds = new Set(inserted.map((t) => t.id));
    const ungated = [...held.entries()].flatMap(([i, s]) => {
      const gate = p.peels[i]?.gateTaskId ?? null;
      return gate !== null && !insertedIds.has(gate) ? [s.id] : [];
    });
    if (ungated.length > 0) {
      // A gate task that was not inserted (its fire time already had a task): gate on nothing.
      await ctx.writeLater(
        'UPDATE rookery_schedules SET gate_task_id = NULL, gate_release = NULL, version = version + 1 WHERE id IN (:ids)',
        { ids: ungated },
        tx,
      );
    }
    const over = [...held.entries()].filter(([i]) => peelEndsOnce(p.peels[i])).map(([, s]) => s.id);
    await markOnceSchedulesDone(ctx, tx, over, now);
    const nodeOf = new Map([...held.entries()].map(([i, s]) => [s.id, p.peels[i]?.nodeId ?? null]));
    await insertEvents(
      ctx,
      tx,
      inserted.map((t) => ({
        taskId: t.id,
        at: now,
        from: null,
        to: t.state,
        nodeId: (t.scheduleId === null ? null : nodeOf.get(t.scheduleId)) ?? null,
        reason: t.reason,
        fence: 0,
      })),
    );
    return p.peels.map((peel, i) =>
      held.has(i)
        ? { ok: true, created: inserted.filter((t) => t.scheduleId === peel.scheduleId) }
        : { ok: false, created: [] },
    );
  });
}

/** What a new task's row takes from its schedule. */
interface FromSchedule extends TaskPolicyColumns {
  scheduleId: string;
  executor: string;
  /** JSON. */
  payload: string;
}

/**
 * The values of a new task's row, in {@link TASK_COLUMNS} order. An array, not an object: an
 * object of 31 columns built by spreading the schedule's share into it took V8's slow path,
 * about 40 µs a row, a sixth of a node's time on MariaDB in a burst.
 */
function taskValues(t: NewTask, s: FromSchedule, now: number): unknown[] {
  return [
    t.id,
    s.scheduleId,
    t.fireAt,
    t.spanEndAt,
    t.spanCount,
    t.dueAt,
    t.deadlineAt,
    t.state,
    0,
    0,
    0,
    0,
    0, // attempt, failures, repairs, fence, version
    s.executor,
    s.payload,
    s.policies,
    s.duplicate,
    s.delivery,
    s.priority,
    null,
    null,
    null,
    null, // lease_owner, lease_expires_at, node_id, started_at
    isTerminalTaskState(t.state) ? now : null, // ended_at
    null,
    null,
    t.reason,
    null,
    0,
    now,
    now, // result, error, reason, execution_id, cancel_requested, created_at, updated_at
  ];
}

/**
 * Inserts task rows, skipping any whose id or (schedule, fire time) is taken: {@link ROWS_PER_INSERT}
 * rows per statement, or one by one where the dialect has no multi-row form. Returns the tasks
 * inserted, in the order of `rows`: from `RETURNING` where the dialect answers it, else read back
 * (the ids are new, so a row with one of them is one this transaction inserted).
 */
async function insertTaskRows(ctx: SqlContext, tx: Tx, rows: readonly unknown[][]): Promise<Task[]> {
  const returned: Task[] = [];
  let readBack = false;
  for (let from = 0; from < rows.length; from += ROWS_PER_INSERT) {
    const chunk = rows.slice(from, from + ROWS_PER_INSERT);
    // `:rows`, a list of tuples, expands to one `(…)` per row.
    const replacements = { rows: chunk };
    const sql = ctx.dialect.insertIgnoreRowsSql('rookery_tasks', TASK_COLUMNS, ':rows');
    if (sql === null) {
      const one = ctx.dialect.insertIgnoreSql('rookery_tasks', TASK_COLUMNS, [['id'], ['schedule_id', 'fire_at']]);
      for (const row of chunk) await ctx.write(one, Object.fromEntries(TASK_COLUMNS.map((c, j) => [c, row[j]])), tx);
      readBack = true;
    } else if (ctx.dialect.insertReturning) {
      returned.push(...(await ctx.select(`${sql} RETURNING *`, replacements, tx)).map(taskFromRow));
    } else {
      await ctx.writeLater(sql, replacements, tx);
      readBack = true;
    }
  }
  const ids = rows.map((r) => String(r[0]));
  if (readBack) return readTasks(ctx, ids, tx);
  const byId = new Map(returned.map((t) => [t.id, t]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}
