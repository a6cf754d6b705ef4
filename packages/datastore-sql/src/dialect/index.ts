import type { SqlDialect, SqlDialectName } from './dialect.js';
import { mssqlDialect } from './mssql.js';
import { mysqlDialect } from './mysql.js';
import { postgresDialect } from './postgres/postgres-dialect.js';
import { sqliteDialect } from './sqlite.js';

const DIALECTS: Record<SqlDialectName, SqlDialect> = {
  sqlite: sqliteDialect,
  postgres: postgresDialect,
  mysql: mysqlDialect,
  mssql: mssqlDialect,
};

/** The dialect adapter of a dialect name. */
export function dialectFor(name: SqlDialectName): SqlDialect {
  return DIALECTS[name];
}

export type { ColumnTypes, ConnectionSettings, SqlDialect, SqlDialectName } from './dialect.js';
