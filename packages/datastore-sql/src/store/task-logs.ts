import type { TaskLogAppendParams, TaskLogLine, TaskLogReadParams } from '@rookery/core';
import { num, str } from './row-mapping.js';
import type { Row, SqlContext } from './sql-context.js';

/** Rows per multi-row INSERT (SQL Server accepts at most 1000 rows in one VALUES list). */
const LOG_BATCH = 500;

/**
 * Appends log lines in order: one multi-row insert, or one transaction of them past
 * {@link LOG_BATCH} lines. The auto-increment id is the line's sequence number.
 */
export async function taskLogAppend(ctx: SqlContext, p: TaskLogAppendParams): Promise<void> {
  if (p.lines.length === 0) return;
  const rows = p.lines.map((l) => [p.taskId, l.at, l.line]);
  const sql = 'INSERT INTO rookery_task_logs (task_id, at, line) VALUES :rows';
  if (rows.length <= LOG_BATCH) {
    await ctx.single('append task log', () => ctx.write(sql, { rows }));
    return;
  }
  await ctx.transaction('append task log', async (tx) => {
    for (let i = 0; i < rows.length; i += LOG_BATCH) await ctx.write(sql, { rows: rows.slice(i, i + LOG_BATCH) }, tx);
  });
}

/** Reads a task's log lines after a sequence number, oldest first, limited. */
export async function taskLogRead(ctx: SqlContext, p: TaskLogReadParams): Promise<TaskLogLine[]> {
  const sql =
    'SELECT id, task_id, at, line FROM rookery_task_logs WHERE task_id = :taskId AND id > :afterSeq' +
    ` ORDER BY id${ctx.dialect.limitClause()}`;
  return ctx.single('read task log', async () => {
    const rows = await ctx.select(sql, { taskId: p.taskId, afterSeq: p.afterSeq ?? 0, limit: p.limit ?? 1000 });
    return rows.map(logLineFromRow);
  });
}

function logLineFromRow(r: Row): TaskLogLine {
  return { seq: num(r['id']), taskId: str(r['task_id']), at: num(r['at']), line: str(r['line']) };
}
