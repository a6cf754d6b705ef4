import type { SqlDialect } from '../dialect/dialect.js';

/** The prefix the store's SQL is written with. */
export const DEFAULT_TABLE_PREFIX = 'rookery_';

/** Where a datastore's tables live: a schema (PostgreSQL, MSSQL) and the prefix of their names. */
export interface TablePlacement {
  /** The schema holding the tables; unset for the connection's default. */
  schema?: string;
  /** What the table and index names start with. */
  tablePrefix: string;
}

/**
 * An identifier `rookery_xxx`, and what precedes it when it names an index: index names take
 * the prefix but never the schema (PostgreSQL creates an index in its table's schema and
 * refuses a qualified name there; MariaDB and MSSQL name indexes per table), except after
 * PostgreSQL's `DROP INDEX`, which looks the index up by its qualified name.
 */
const IDENTIFIER =
  /(DROP\s+INDEX\s+(?:IF\s+EXISTS\s+)?|INDEX\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?|INDEX\s*\(\s*|name\s*=\s*N')?\brookery_([a-z0-9_]+)/g;

/** Past this many distinct statements the cache starts afresh (a guard, never reached by the store's own SQL). */
const CACHE_LIMIT = 2_000;

/**
 * Puts the store's SQL where the tables live. Every statement is written with the names
 * `rookery_tasks`, `rookery_schedules`, ... (and indexes `rookery_tasks_claim`, ...); here each
 * `rookery_` becomes the table prefix and each table name is qualified with the schema, once per
 * distinct statement text (cached). With neither set, statements pass unchanged.
 */
export class TableNames {
  private readonly cache = new Map<string, string>();
  private readonly qualifier: string;
  /** True when statements pass unchanged (no schema, the default prefix). */
  readonly identity: boolean;

  /**
   * @param dialect - the dialect (how it quotes, whether DROP INDEX takes a schema)
   * @param placement - the schema and prefix
   */
  constructor(
    private readonly dialect: SqlDialect,
    readonly placement: TablePlacement,
  ) {
    this.qualifier = placement.schema !== undefined ? `${dialect.quote(placement.schema)}.` : '';
    this.identity = placement.schema === undefined && placement.tablePrefix === DEFAULT_TABLE_PREFIX;
  }

  /** The quoted schema, when one is set. */
  get quotedSchema(): string | undefined {
    return this.placement.schema !== undefined ? this.dialect.quote(this.placement.schema) : undefined;
  }

  /** The unqualified name of table `rookery_xxx`. */
  bare(name: string): string {
    return name.replace(/^rookery_/, this.placement.tablePrefix);
  }

  /** `sql` with its Rookery identifiers placed. */
  sql(sql: string): string {
    if (this.identity) return sql;
    let placed = this.cache.get(sql);
    if (placed === undefined) {
      placed = this.place(sql);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(sql, placed);
    }
    return placed;
  }

  private place(sql: string): string {
    const prefix = this.placement.tablePrefix;
    const dropQualifies = this.dialect.name === 'postgres';
    return sql.replace(IDENTIFIER, (_whole, before: string | undefined, rest: string) => {
      const name = `${prefix}${rest}`;
      if (before === undefined) return `${this.qualifier}${name}`;
      const qualify = dropQualifies && /^DROP/.test(before);
      return `${before}${qualify ? this.qualifier : ''}${name}`;
    });
  }
}
