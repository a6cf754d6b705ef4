import { isTerminalTaskState, type Task, type TaskFinishManyParams } from '@rookery/core';
import { outcomeValues } from './outcome-values.js';
import { num, numOrNull, taskFromRow } from './row-mapping.js';
import type { SqlContext, Tx } from './sql-context.js';
import { markOnceSchedulesDone } from './schedules-done.js';
import { insertEvents, releaseSlot, takesRunSlot, ungateAtEnd, updateTasksReturning } from './task-effects.js';
import { leaseHeld } from './lease-sql.js';

/** The outcomes of one batch that one UPDATE writes: same owner, same column values. */
interface OutcomeGroup {
  owner: string;
  values: Record<string, unknown>;
  finishes: { taskId: string; fence: number }[];
}

/** A batch's commits, one per task. */
type Finishes = TaskFinishManyParams['finishes'];

/** Groups commits (one per task) by owner and outcome. */
function groupOutcomes(finishes: Finishes): OutcomeGroup[] {
  const groups = new Map<string, OutcomeGroup>();
  for (const f of finishes) {
    const values = { state: f.outcome.state, reason: f.outcome.reason, ...outcomeValues(f.outcome) };
    const key = JSON.stringify([f.owner, values]);
    const group: OutcomeGroup = groups.get(key) ?? { owner: f.owner, values, finishes: [] };
    group.finishes.push({ taskId: f.taskId, fence: f.fence });
    groups.set(key, group);
  }
  return [...groups.values()];
}

const SET_OUTCOME =
  'UPDATE rookery_tasks SET state = :state, result = :result, error = :error, reason = :reason,' +
  ' failures = failures + :failed, due_at = COALESCE(:dueAt, due_at), ended_at = :now,' +
  ' lease_owner = NULL, lease_expires_at = NULL, version = version + 1, updated_at = :now,' +
  " execution_id = CASE WHEN :state = 'pending' THEN NULL ELSE execution_id END";

/**
 * Writes each group's outcome to the tasks whose (owner, fence, unexpired lease, state running)
 * still holds, and returns them as written. With `RETURNING`, one conditional UPDATE per group
 * answers exactly the rows it changed. Without it, the rows are read and locked first (in id
 * order, so concurrent batches queue rather than deadlock), judged, and the held ones written by
 * primary key.
 */
async function writeOutcomes(ctx: SqlContext, tx: Tx, groups: readonly OutcomeGroup[], now: number): Promise<Task[]> {
  const d = ctx.dialect;
  const tasks: Task[] = [];
  if (d.supportsReturning) {
    for (const g of groups) {
      const rows = await ctx.select(
        `${SET_OUTCOME} WHERE id IN (:ids) AND (id, fence) IN (:pairs) AND ${leaseHeld()} AND state = 'running' RETURNING *`,
        {
          ...g.values,
          ids: g.finishes.map((f) => f.taskId),
          pairs: g.finishes.map((f) => [f.taskId, f.fence]),
          owner: g.owner,
          now,
        },
        tx,
      );
      tasks.push(...rows.map(taskFromRow));
    }
    return tasks;
  }
  const rows = await ctx.select(
    `SELECT id, lease_owner, fence, state, lease_expires_at FROM rookery_tasks${d.lockTableHint} WHERE id IN (:ids) ORDER BY id${d.lockSuffix}`,
    { ids: groups.flatMap((g) => g.finishes.map((f) => f.taskId)) },
    tx,
  );
  const current = new Map(rows.map((r) => [String(r['id']), r]));
  for (const g of groups) {
    const held = g.finishes.filter((f) => {
      const r = current.get(f.taskId);
      return (
        r !== undefined &&
        r['lease_owner'] === g.owner &&
        num(r['fence']) === f.fence &&
        r['state'] === 'running' &&
        (numOrNull(r['lease_expires_at']) ?? 0) > now
      );
    });
    const ids = held.map((f) => f.taskId);
    tasks.push(
      ...(await updateTasksReturning(ctx, tx, `${SET_OUTCOME} WHERE id IN (:ids)`, { ...g.values, ids, now }, ids)),
    );
  }
  return tasks;
}

/**
 * Commits attempts' outcomes: each commit whose (owner, fence, unexpired
 * lease, state running) still holds is written, with one statement for all the tasks of one
 * owner that share an outcome (a batch of successes with no result is one statement); one that
 * no longer holds writes nothing and is answered undefined. A task handed back to `pending`
 * forgets its external execution. Then the run slot of a `skip`, `replace` or `queue` task is
 * released, a terminal state ungates a schedule that waits for the task (and ends a `once`
 * schedule whose only task this was: `done`), and every transition
 * is recorded in one INSERT. A task listed twice is committed for its first listing only.
 * Where the dialect has a fast path (`FastPaths.finishTasks`), it commits the `run` tasks;
 * the rest, and every commit elsewhere, take one transaction.
 */
export async function taskFinishMany(ctx: SqlContext, p: TaskFinishManyParams): Promise<(Task | undefined)[]> {
  const { firsts, answer } = firstCommits(p.finishes);
  if (firsts.length === 0) return [];
  let written = new Map<string, Task>();
  let rest = firsts;
  const fast = ctx.dialect.fastPaths;
  if (fast) {
    // The fast path writes the common case; what it left (a run slot to release, or a commit
    // that no longer holds) takes the general transaction.
    written = await fast.finishTasks(ctx, firsts, p.now);
    rest = firsts.filter((f) => !written.has(f.taskId));
  }
  if (rest.length > 0) for (const t of await finishInTransaction(ctx, rest, p.now)) written.set(t.id, t);
  return answer(written);
}

/**
 * The first commit of each task in `finishes` (a task listed twice is committed for its first
 * listing only), and how to answer the whole list from the tasks written, by id.
 */
export function firstCommits(finishes: Finishes): {
  firsts: Finishes;
  answer: (written: ReadonlyMap<string, Task>) => (Task | undefined)[];
} {
  const firstAt = new Map<string, number>();
  for (const [i, f] of finishes.entries()) if (!firstAt.has(f.taskId)) firstAt.set(f.taskId, i);
  return {
    firsts: finishes.filter((f, i) => firstAt.get(f.taskId) === i),
    answer: (written) => finishes.map((f, i) => (firstAt.get(f.taskId) === i ? written.get(f.taskId) : undefined)),
  };
}

/** The general finish of commits (one per task), in one transaction (see {@link taskFinishMany}). */
export async function finishInTransaction(
  ctx: SqlContext,
  finishes: Finishes,
  at: number | undefined,
): Promise<Task[]> {
  return ctx.transaction(finishes.length === 1 ? 'finish task' : `finish ${finishes.length} tasks`, async (tx) =>
    finishIn(ctx, tx, finishes, await ctx.now(at, tx)),
  );
}

/** The general finish of commits (one per task, at least one) at `now`, in the caller's transaction `tx`. */
export async function finishIn(ctx: SqlContext, tx: Tx, finishes: Finishes, now: number): Promise<Task[]> {
  const tasks = await writeOutcomes(ctx, tx, groupOutcomes(finishes), now);
  const nodeOf = new Map(finishes.map((f) => [f.taskId, f.nodeId]));
  for (const task of tasks) {
    // Only `skip`, `replace` and `queue` tasks take a run slot, and only gated task creation
    // (`on-start`, `on-end`, `after-run`) gates a schedule: most finishes need neither statement.
    if (takesRunSlot(task.policies.duplicate)) await releaseSlot(ctx, tx, task.scheduleId, task.id, now);
    if (isTerminalTaskState(task.state) && task.policies.taskCreation !== 'ahead')
      await ungateAtEnd(ctx, tx, task.scheduleId, task.id, now);
  }
  await markOnceSchedulesDone(
    ctx,
    tx,
    tasks.filter((t) => isTerminalTaskState(t.state)).map((t) => t.scheduleId),
    now,
  );
  await insertEvents(
    ctx,
    tx,
    tasks.map((task) => ({
      taskId: task.id,
      at: now,
      from: 'running',
      to: task.state,
      nodeId: nodeOf.get(task.id) ?? null,
      reason: task.reason,
      fence: task.fence,
    })),
  );
  return tasks;
}
