import {
  ENQUEUED_REASON,
  jobTask,
  type EnqueuedTask,
  type NewJob,
  type Task,
  type TaskEnqueueParams,
} from '@rookery/core';
import { str, taskFromRow } from './row-mapping.js';
import type { CallerTransaction } from './caller-transaction.js';
import type { SqlContext, Tx } from './sql-context.js';
import { JOB_COLUMNS } from './task-columns.js';

/**
 * Job rows per INSERT: 2 000 rows of 14 bound values stay under every dialect's limit on bound
 * parameters (SQLite's 32 766 the lowest) while a bulk enqueue pays few round trips.
 */
const ROWS_PER_INSERT = 2_000;

/** Times a job whose key's holder ended meanwhile is inserted again before giving up. */
const KEY_RETRIES = 3;

/**
 * A job's row as SQL, named replacements of job `i` and the shared `:now`: what every job's row
 * has alike is written as a constant, so a row binds 14 values rather than 34. Its own id
 * stands in its `schedule_id` (see migration 9).
 */
function jobTuple(i: number): string {
  return (
    `(:i${i}, :i${i}, :d${i}, NULL, 1, :d${i}, NULL, 'pending', 0, 0, 0, 0, 0, :e${i}, :p${i}, :o${i}, 'run', :m${i}, :r${i},` +
    ` NULL, NULL, NULL, NULL, NULL, NULL, NULL, '${ENQUEUED_REASON}', NULL, 0, :now, :now, :k${i}, :l${i}, :t${i})`
  );
}

/** The replacements of {@link jobTuple} `i` for `j`. */
function addJobValues(into: Record<string, unknown>, i: number, j: NewJob, now: number): void {
  into[`i${i}`] = j.id;
  into[`d${i}`] = j.runAt ?? now;
  into[`e${i}`] = j.executor;
  into[`p${i}`] = JSON.stringify(j.payload);
  into[`o${i}`] = JSON.stringify(j.policies);
  into[`m${i}`] = j.policies.delivery;
  into[`r${i}`] = j.policies.priority;
  into[`k${i}`] = j.key;
  into[`l${i}`] = j.keyLock;
  into[`t${i}`] = j.traceContext ?? null;
}

/** A job's whole row, a replacement per column, for dialects that insert row by row. */
function jobRow(j: NewJob, now: number): Record<(typeof JOB_COLUMNS)[number], unknown> {
  const dueAt = j.runAt ?? now;
  return {
    id: j.id,
    schedule_id: j.id,
    fire_at: dueAt,
    span_end_at: null,
    span_count: 1,
    due_at: dueAt,
    deadline_at: null,
    state: 'pending',
    attempt: 0,
    failures: 0,
    repairs: 0,
    fence: 0,
    version: 0,
    executor: j.executor,
    payload: JSON.stringify(j.payload),
    policies: JSON.stringify(j.policies),
    duplicate_policy: 'run',
    delivery: j.policies.delivery,
    priority: j.policies.priority,
    lease_owner: null,
    lease_expires_at: null,
    node_id: null,
    started_at: null,
    ended_at: null,
    result: null,
    error: null,
    reason: ENQUEUED_REASON,
    execution_id: null,
    cancel_requested: 0,
    created_at: now,
    updated_at: now,
    dedupe_key: j.key,
    dedupe_lock: j.keyLock,
    trace_context: j.traceContext ?? null,
  };
}

/** The tuples of an INSERT of `n` job rows, built once per size. */
const tuplesOfSize = new Map<number, string>();
function jobTuples(n: number): string {
  let tuples = tuplesOfSize.get(n);
  if (tuples === undefined) {
    tuples = Array.from({ length: n }, (_, i) => jobTuple(i)).join(', ');
    if (tuplesOfSize.size > 64) tuplesOfSize.clear();
    tuplesOfSize.set(n, tuples);
  }
  return tuples;
}

/**
 * Inserts jobs ({@link Datastore.taskEnqueue}): where the dialect has a fast path, all of them
 * by it (`FastPaths.enqueueJobs`); elsewhere in one transaction, many rows per
 * INSERT. A row whose key a live task holds is skipped (the live-key index refuses it and the
 * insert ignores the conflict); the holders of the skipped keys are read next. A holder that
 * ended between the two (its key free again) sends its job round once more.
 *
 * In a caller's transaction (`caller`), every statement runs on the caller's connection, many
 * rows per INSERT on every dialect, and a key held by a task enqueued earlier in the same
 * transaction answers that task.
 */
export async function taskEnqueue(
  ctx: SqlContext,
  p: TaskEnqueueParams,
  caller?: CallerTransaction,
): Promise<EnqueuedTask[]> {
  if (p.jobs.length === 0) return [];
  if (caller) return ctx.inCaller('enqueue jobs', () => enqueueIn(ctx, caller, p));
  const fast = ctx.dialect.fastPaths;
  if (fast) {
    return settleJobs(
      p.jobs,
      (todo) => fast.enqueueJobs(ctx, todo, p.now),
      (keys, locks) => readHolders(ctx, keys, locks),
    );
  }
  return ctx.transaction('enqueue jobs', (tx) => enqueueIn(ctx, tx, p));
}

/** Inserts jobs and their creation events in the transaction `tx`, many rows per INSERT. */
async function enqueueIn(ctx: SqlContext, tx: Tx, p: TaskEnqueueParams): Promise<EnqueuedTask[]> {
  const now = await ctx.now(p.now, tx);
  const answers = await settleJobs(
    p.jobs,
    (todo) => insertJobRows(ctx, tx, todo, now),
    (keys, locks) => readHolders(ctx, keys, locks, tx),
  );
  await insertCreationEvents(
    ctx,
    tx,
    answers.flatMap((a) => (a.created ? [a.task.id] : [])),
    now,
  );
  return answers;
}

/** Event rows per INSERT (SQL Server accepts at most 1 000 rows in one VALUES list). */
const EVENTS_PER_INSERT = 1_000;

/**
 * Records the creation (`pending`, reason `enqueued`) of the tasks `ids` at `now`: what the
 * events have alike is written as constants, so a row binds its task id alone.
 */
async function insertCreationEvents(ctx: SqlContext, tx: Tx, ids: readonly string[], now: number): Promise<void> {
  for (let from = 0; from < ids.length; from += EVENTS_PER_INSERT) {
    const chunk = ids.slice(from, from + EVENTS_PER_INSERT);
    const replacements: Record<string, unknown> = { now };
    chunk.forEach((id, i) => (replacements[`t${i}`] = id));
    const tuples = chunk.map((_, i) => `(:t${i}, :now, NULL, 'pending', NULL, '${ENQUEUED_REASON}', 0)`).join(', ');
    await ctx.writeLater(
      `INSERT INTO rookery_task_events (task_id, at, from_state, to_state, node_id, reason, fence) VALUES ${tuples}`,
      replacements,
      tx,
    );
  }
}

/** The tasks that hold keys: live ones by key, and any by key lock. */
interface Holders {
  byKey: Map<string, Task>;
  byLock: Map<string, Task>;
}

/** Reads the live tasks holding `keys` and the tasks holding the key locks `locks`. */
async function readHolders(
  ctx: SqlContext,
  keys: readonly string[],
  locks: readonly string[],
  tx?: Tx,
): Promise<Holders> {
  const byKey = new Map<string, Task>();
  const byLock = new Map<string, Task>();
  if (keys.length > 0) {
    for (const row of await ctx.select(
      `SELECT * FROM rookery_tasks WHERE ${ctx.dialect.liveKeyMatch}`,
      { keys: [...keys] },
      tx,
    )) {
      const task = taskFromRow(row);
      if (task.key !== null) byKey.set(task.key, task);
    }
  }
  if (locks.length > 0) {
    for (const row of await ctx.select(
      'SELECT * FROM rookery_tasks WHERE dedupe_lock IN (:locks)',
      { locks: [...locks] },
      tx,
    )) {
      byLock.set(str(row['dedupe_lock']), taskFromRow(row));
    }
  }
  return { byKey, byLock };
}

/**
 * Inserts `jobs` through `insert` (which skips rows whose live key or key lock is taken) and
 * answers each with its own task or the holder of its key (live) or of its key lock, read
 * through `holders`; a key given twice is inserted once.
 */
async function settleJobs(
  jobs: readonly NewJob[],
  insert: (todo: readonly NewJob[]) => Promise<Task[]>,
  holders: (keys: string[], locks: string[]) => Promise<Holders>,
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
  const holderOfLock = new Map<string, Task>();
  const holderOf = (j: NewJob): Task | undefined =>
    (j.key === null ? undefined : holderOfKey.get(j.key)) ??
    (j.keyLock === null ? undefined : holderOfLock.get(j.keyLock));
  let todo = distinct;
  for (let round = 0; todo.length > 0; round += 1) {
    if (round > KEY_RETRIES)
      throw new Error(
        `enqueue: the holders of keys ${todo.map((j) => j.key).join(', ')} kept ending while their jobs were inserted`,
      );
    for (const t of await insert(todo)) created.set(t.id, t);
    const skipped = todo.filter((j) => !created.has(j.id));
    const keys = skipped.flatMap((j) => (j.key === null ? [] : [j.key]));
    const locks = skipped.flatMap((j) => (j.keyLock === null ? [] : [j.keyLock]));
    if (keys.length > 0 || locks.length > 0) {
      const found = await holders(keys, locks);
      for (const [key, t] of found.byKey) holderOfKey.set(key, t);
      for (const [lock, t] of found.byLock) holderOfLock.set(lock, t);
    }
    todo = skipped.filter((j) => j.key !== null && holderOf(j) === undefined);
  }
  return jobs.map((j) => {
    const own = created.get(j.id);
    if (own) return { task: own, created: true };
    const first = j.key === null ? undefined : firstOfKey.get(j.key);
    const task = (first && created.get(first.id)) ?? holderOf(j);
    if (!task) throw new Error(`enqueue: job ${j.id} was neither inserted nor answered by the holder of its key`);
    return { task, created: false };
  });
}

/**
 * Inserts job rows, skipping those whose id or live key is taken; returns the tasks inserted,
 * built from the jobs (the rows hold nothing else): the ids inserted come from `RETURNING id`
 * where the dialect answers it; elsewhere, an INSERT of keyless jobs whose changed-row count
 * is its row count inserted them all (their ids are new), and otherwise the ids are read back.
 */
async function insertJobRows(ctx: SqlContext, tx: Tx, jobs: readonly NewJob[], now: number): Promise<Task[]> {
  const inserted = new Set<string>();
  const readBack: string[] = [];
  for (let from = 0; from < jobs.length; from += ROWS_PER_INSERT) {
    const chunk = jobs.slice(from, from + ROWS_PER_INSERT);
    const replacements: Record<string, unknown> = { now };
    chunk.forEach((j, i) => addJobValues(replacements, i, j, now));
    const sql = ctx.dialect.insertIgnoreRowsSql('rookery_tasks', JOB_COLUMNS, jobTuples(chunk.length));
    if (sql === null) {
      const one = ctx.dialect.insertIgnoreSql('rookery_tasks', JOB_COLUMNS, [['id']]);
      for (const j of chunk) if ((await ctx.write(one, jobRow(j, now), tx)) === 1) inserted.add(j.id);
    } else if (ctx.dialect.insertReturning) {
      for (const r of await ctx.select(`${sql} RETURNING id`, replacements, tx)) inserted.add(String(r['id']));
    } else {
      const changed = await ctx.write(sql, replacements, tx);
      if (changed === chunk.length && chunk.every((j) => j.key === null)) for (const j of chunk) inserted.add(j.id);
      else readBack.push(...chunk.map((j) => j.id));
    }
  }
  for (let from = 0; from < readBack.length; from += ROWS_PER_INSERT) {
    const ids = readBack.slice(from, from + ROWS_PER_INSERT);
    for (const r of await ctx.select('SELECT id FROM rookery_tasks WHERE id IN (:ids)', { ids }, tx))
      inserted.add(String(r['id']));
  }
  // The job's objects are this call's own (the client built them for it): shared, not copied.
  return jobs.flatMap((j) => (inserted.has(j.id) ? [jobTask(j, now, false)] : []));
}
