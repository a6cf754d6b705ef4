/**
 * A partial index as PostgreSQL and SQLite both write it: `CREATE [UNIQUE] INDEX IF NOT EXISTS
 * name ON table (columns) WHERE condition`.
 */
export function partialIndexSql(
  name: string,
  table: string,
  columns: string[],
  where: string,
  unique: boolean,
): string {
  return `CREATE ${unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${name} ON ${table} (${columns.join(', ')}) WHERE ${where}`;
}

/**
 * The index of the jobs-only task list, `(fire_at, id)` over the rows whose `schedule_id = id`,
 * for databases whose partial indexes may compare two columns (PostgreSQL, SQLite).
 */
export function jobsListIndexSql(): string[] {
  return [partialIndexSql('rookery_tasks_jobs_fire', 'rookery_tasks', ['fire_at', 'id'], 'schedule_id = id', false)];
}
