import type pg from 'pg';
import { driverError } from '../dialect.js';
import type { Row, SqlContext } from '../../store/sql-context.js';

/** PostgreSQL's answer to a prepared statement whose result columns changed since it was prepared. */
function isStalePlan(error: unknown): boolean {
  const e = driverError(error);
  return e['code'] === '0A000' && /cached plan must not change result type/i.test(String(e['message']));
}

/** A prepared statement failed as {@link isStalePlan}, on a connection now destroyed. */
class StalePlanError extends Error {
  constructor(override readonly cause: unknown) {
    super('a prepared statement went stale', { cause });
  }
}

/**
 * Runs one statement with positional parameters (`$1`, `$2`, …) straight on a pooled `pg`
 * connection, as a named prepared statement: the server parses and plans it once per
 * connection, and Sequelize's replacement and escaping are left out. For PostgreSQL's fast
 * paths, where one statement is a whole transaction. It runs through `SqlContext.single`:
 * retried on deadlock, errors mapped and named by `what`.
 *
 * A prepared statement whose result columns changed under it (a newer node's migration added
 * a column) fails with "cached plan must not change result type" and nothing is applied: its
 * connection is destroyed and the statement runs again on another, which prepares it afresh.
 */
export async function preparedStatement(
  ctx: SqlContext,
  what: string,
  name: string,
  sql: string,
  values: unknown[],
): Promise<Row[]> {
  const placed = ctx.names.sql(sql);
  return ctx.single(what, () => preparedAfresh(ctx, name, placed, values));
}

/** {@link preparedStatement} without retry and mapping: a stale statement is prepared afresh. */
async function preparedAfresh(ctx: SqlContext, name: string, sql: string, values: unknown[]): Promise<Row[]> {
  // The pool's connection limit: how many connections can hold a stale prepared statement.
  const poolMax = ctx.sequelize.config.pool?.max ?? 10;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await onPooledConnection(ctx, name, sql, values);
    } catch (error) {
      if (!(error instanceof StalePlanError) || attempt >= poolMax + 1)
        throw error instanceof StalePlanError ? error.cause : error;
    }
  }
}

async function onPooledConnection(ctx: SqlContext, name: string, sql: string, values: unknown[]): Promise<Row[]> {
  const manager = ctx.sequelize.connectionManager;
  const connection = (await manager.getConnection({ type: 'write' })) as pg.Client;
  let result;
  try {
    result = await connection.query<Row>({ name, text: sql, values });
  } catch (error) {
    if (!isStalePlan(error)) {
      manager.releaseConnection(connection);
      throw error;
    }
    await manager.destroyConnection(connection);
    throw new StalePlanError(error);
  }
  manager.releaseConnection(connection);
  return result.rows;
}
