import { ENQUEUED_REASON, type EnqueuedTask, type NewJob, type Task, type TaskEnqueueParams } from '@rookery/core';
import { taskFromRow } from './row-mapping.js';
import type { SqlContext, Tx } from './sql-context.js';
import { enqueueStatement } from './tasks-enqueue-statement.js';
import { insertEvents, readTasks } from './task-effects.js';

/** The columns of a job's row, in the order of {@link jobValues}. */
const JOB_COLUMNS = [
  'id', 'schedule_id', 'fire_at', 'span_end_at', 'span_count', 'due_at', 'deadline_at', 'state',
  'attempt', 'failures', 'repairs', 'fence', 'version',
  'executor', 'payload', 'policies', 'duplicate_policy', 'delivery', 'priority',
  'lease_owner', 'lease_expires_at', 'node_id', 'started_at', 'ended_at',
  'result', 'error', 'reason', 'execution_id', 'cancel_requested', 'created_at', 'updated_at', 'dedupe_key', 'trace_context',
] as const;

/**
 * Job rows per INSERT: 500 rows of 33 values stay under every dialect's limit on bound
 * parameters (SQLite's 32 766 the lowest) while a bulk enqueue pays few round trips.
 */
const ROWS_PER_INSERT = 500;

/** Times a job whose key's holder ended meanwhile is inserted again before giving up. */
const KEY_RETRIES = 3;

/** A job's row: its own id stands in its `schedule_id` (see migration 9). */
function jobValues(j: NewJob, now: number): unknown[] {
  const dueAt = j.runAt ?? now;
  return [
    j.id, j.id, dueAt, null, 1, dueAt, null, 'pending',
    0, 0, 0, 0, 0,
    j.executor, JSON.stringify(j.payload), JSON.stringify(j.policies), j.policies.duplicate, j.policies.delivery, j.policies.priority,
    null, null, null, null, null,
    null, null, ENQUEUED_REASON, null, 0, now, now, j.key, j.traceContext ?? null,
  ];
}

/**
 * Inserts jobs ({@link Datastore.taskEnqueue}): where the dialect has writable CTEs, all of them
 * in one statement ({@link enqueueStatement}); elsewhere in one transaction, many rows per
 * INSERT. A row whose key a live task holds is skipped (the live-key index refuses it and the
 * insert ignores the conflict); the holders of the skipped keys are read next. A holder that
 * ended between the two (its key free again) sends its job round once more.
 */
export async function taskEnqueue(ctx: SqlContext, p: TaskEnqueueParams): Promise<EnqueuedTask[]> {
  if (p.jobs.length === 0) return [];
  const holdersOf = async (keys: string[], tx?: Tx): Promise<Task[]> =>
    (await ctx.select(`SELECT * FROM rookery_tasks WHERE ${ctx.dialect.liveKeyMatch}`, { keys }, tx)).map(taskFromRow);
  if (ctx.dialect.writableCtes) {
    return settleJobs(p.jobs, (todo) => enqueueStatement(ctx, todo, p.now), (keys) => holdersOf(keys));
  }
  return ctx.transaction('enqueue jobs', async (tx) => {
    const now = await ctx.now(p.now, tx);
    const answers = await settleJobs(
      p.jobs,
      (todo) => insertJobRows(ctx, tx, todo.map((j) => jobValues(j, now))),
      (keys) => holdersOf(keys, tx),
    );
    const created = answers.flatMap((a) => (a.created ? [a.task] : []));
    await insertEvents(ctx, tx, created.map((t) => ({ taskId: t.id, at: now, from: null, to: t.state, nodeId: null, reason: t.reason, fence: 0 })));
    return answers;
  });
}

/**
 * Inserts `jobs` through `insert` (which skips rows whose live key is taken) and answers each
 * with its own task or its key's holder, read through `holders`; a key given twice is
 * inserted once.
 */
async function settleJobs(
  jobs: readonly NewJob[],
  insert: (todo: readonly NewJob[]) => Promise<Task[]>,
  holders: (keys: string[]) => Promise<Task[]>,
): Promise<EnqueuedTask[]> {
  // A key given twice in one call: the first job stands for both.
  const firstOfKey = new Map<string, NewJob>();
  const distinct = jobs.filter((j) => {
    if (j.key === null) return true;
    if (firstOfKey.has(j.key)) return false;
    firstOfKey.set(j.key, j);
    return true;
  });
  const created = new Map<string, Task>();
  const holderOfKey = new Map<string, Task>();
  let todo = distinct;
  for (let round = 0; todo.length > 0; round += 1) {
    if (round > KEY_RETRIES) throw new Error(`enqueue: the holders of keys ${todo.map((j) => j.key).join(', ')} kept ending while their jobs were inserted`);
    for (const t of await insert(todo)) created.set(t.id, t);
    const skipped = todo.filter((j) => !created.has(j.id));
    const keys = skipped.flatMap((j) => (j.key === null ? [] : [j.key]));
    if (keys.length > 0) for (const t of await holders(keys)) if (t.key !== null) holderOfKey.set(t.key, t);
    todo = skipped.filter((j) => j.key !== null && !holderOfKey.has(j.key));
  }
  return jobs.map((j) => {
    const own = created.get(j.id);
    if (own) return { task: own, created: true };
    const first = j.key === null ? undefined : firstOfKey.get(j.key);
    const task = (first && created.get(first.id)) ?? (j.key === null ? undefined : holderOfKey.get(j.key));
    if (!task) throw new Error(`enqueue: job ${j.id} was neither inserted nor held by a live task`);
    return { task, created: false };
  });
}

/**
 * Inserts job rows, skipping those whose id or live key is taken; returns the tasks inserted:
 * from `RETURNING` where the dialect answers it, else read back (the ids are new).
 */
async function insertJobRows(ctx: SqlContext, tx: Tx, rows: readonly unknown[][]): Promise<Task[]> {
  const returned: Task[] = [];
  let readBack = false;
  for (let from = 0; from < rows.length; from += ROWS_PER_INSERT) {
    const chunk = rows.slice(from, from + ROWS_PER_INSERT);
    const sql = ctx.dialect.insertIgnoreRowsSql('rookery_tasks', JOB_COLUMNS, ':rows');
    if (sql === null) {
      const one = ctx.dialect.insertIgnoreSql('rookery_tasks', JOB_COLUMNS, [['id']]);
      for (const row of chunk) await ctx.write(one, Object.fromEntries(JOB_COLUMNS.map((c, j) => [c, row[j]])), tx);
      readBack = true;
    } else if (ctx.dialect.insertReturning) {
      returned.push(...(await ctx.select(`${sql} RETURNING *`, { rows: chunk }, tx)).map(taskFromRow));
    } else {
      await ctx.writeLater(sql, { rows: chunk }, tx);
      readBack = true;
    }
  }
  if (readBack) return readTasks(ctx, rows.map((r) => String(r[0])), tx);
  return returned;
}
