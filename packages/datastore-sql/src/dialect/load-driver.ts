import { isPackageMissing, MissingDriverError } from '@rookery/core';
import type mysql from 'mysql2';
import type pg from 'pg';
import type { SqlDialectName } from './dialect.js';
import { guardMysql, guardPg } from './guarded-drivers.js';

/** The npm package of each dialect's driver (optional peer dependencies of this package). */
export const DRIVER_PACKAGES: Readonly<Record<SqlDialectName, string>> = {
  sqlite: 'sqlite3',
  postgres: 'pg',
  mysql: 'mysql2',
  mssql: 'tedious',
};

/** The CommonJS module behind a dynamic import: its default export when it has one. */
function moduleOf(namespace: unknown): object {
  const ns = namespace as { default?: object };
  return ns.default ?? (namespace as object);
}

/** Imports `load()`'s package, turning "not installed" into a MissingDriverError naming it. */
async function imported(dialect: SqlDialectName, load: () => Promise<unknown>): Promise<object> {
  const packageName = DRIVER_PACKAGES[dialect];
  try {
    return moduleOf(await load());
  } catch (error) {
    if (isPackageMissing(error, packageName))
      throw new MissingDriverError(packageName, `the ${dialect} datastore`, { cause: error });
    throw error;
  }
}

/**
 * Loads the driver of `dialect`, only when a datastore of that dialect is opened, as the
 * module Sequelize is given (`dialectModule`): `pg` and `mysql2` guarded (see
 * guarded-drivers.ts). Throws MissingDriverError when the package is not installed.
 * Each import names its package literally, so that it resolves from this package.
 */
export async function loadDriver(dialect: SqlDialectName): Promise<object> {
  switch (dialect) {
    case 'sqlite':
      return imported(dialect, () => import('sqlite3'));
    case 'postgres':
      return guardPg((await imported(dialect, () => import('pg'))) as typeof pg);
    case 'mysql':
      return guardMysql((await imported(dialect, () => import('mysql2'))) as typeof mysql);
    case 'mssql':
      return imported(dialect, () => import('tedious'));
  }
}
