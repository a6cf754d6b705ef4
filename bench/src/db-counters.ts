import { QueryTypes } from 'sequelize';
import { connect, type BenchDatabase } from './databases.js';

/** Counters read from the database server at one instant. */
export type CounterReading = Record<string, number>;

/** Where a run's database transaction count comes from. */
export interface TransactionCounter {
  /** What is counted, for the table (`pg_stat_database.xact_commit`...). */
  source: string;
  /** The counter that stands for "transactions" in the figures. */
  main: string;
  /** Reads the counters now, on a fresh connection. */
  read(): Promise<CounterReading>;
}

async function query<T extends object>(url: string, sql: string): Promise<T[]> {
  const sequelize = connect(url);
  try {
    return await sequelize.query<T>(sql, { type: QueryTypes.SELECT });
  } finally {
    await sequelize.close();
  }
}

/**
 * The transaction counter of `db`'s server: PostgreSQL's `xact_commit` of the run's own
 * database (`pg_stat_database`; a backend reports it at most once a second and when it
 * exits, so read it after the nodes stopped); MariaDB's server-wide `Handler_commit`, which
 * InnoDB raises once for each statement that touches a table, inside a transaction or not, and
 * once for each COMMIT, so it counts statements more than transactions (`Com_commit`, explicit
 * COMMITs only, comes with it); it counts any other client of the server too. SQLite has none:
 * undefined.
 */
export function transactionCounter(db: BenchDatabase): TransactionCounter | undefined {
  if (db.dialect === 'postgres') {
    return {
      source: 'pg_stat_database.xact_commit of the run database',
      main: 'xact_commit',
      async read() {
        const rows = await query<{ xact_commit: string | number }>(
          db.url,
          'SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()',
        );
        return { xact_commit: Number(rows[0]?.xact_commit) };
      },
    };
  }
  if (db.dialect === 'mariadb') {
    return {
      source: 'MariaDB SHOW GLOBAL STATUS Handler_commit (server-wide; Com_commit in the JSON)',
      main: 'Handler_commit',
      async read() {
        const rows = await query<{ Variable_name: string; Value: string }>(
          db.url,
          "SHOW GLOBAL STATUS WHERE Variable_name IN ('Com_commit', 'Handler_commit')",
        );
        return Object.fromEntries(rows.map((r) => [r.Variable_name, Number(r.Value)]));
      },
    };
  }
  return undefined;
}

/** Differences `after - before`, counter by counter. */
export function counterDelta(before: CounterReading, after: CounterReading): CounterReading {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
}

/**
 * Command names of the database server's processes on this machine (`postgres`: the
 * postmaster and every backend; `mariadbd`/`mysqld`), when `db` is on a loopback address;
 * undefined for SQLite (it runs inside the nodes) and for a remote server.
 */
export function serverProcessNames(db: BenchDatabase): string[] | undefined {
  if (db.dialect === 'sqlite') return undefined;
  const host = new URL(db.url).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host)) return undefined;
  return db.dialect === 'postgres' ? ['postgres'] : ['mariadbd', 'mysqld'];
}
