import type { Replacements } from './sql-context.js';

/** A statement with its `:name` replacements turned into positional parameters. */
export interface PositionalSql {
  /** The SQL with a placeholder where each value goes. */
  sql: string;
  /** The values, in placeholder order. */
  values: unknown[];
}

/** A statement split at its `:name` replacements: `text[0] name[0] text[1] … text[n]`. */
interface ParsedSql {
  text: string[];
  names: string[];
}

/** Parsed statements, by SQL text; the store builds a bounded set of them. */
const parsed = new Map<string, ParsedSql>();

/** Past this many distinct statements the cache starts afresh (a guard, never reached by the store's own SQL). */
const MAX_PARSED = 2_000;

/** True for a character that may continue a replacement name. */
function isNameChar(c: string): boolean {
  return /[A-Za-z0-9_]/.test(c);
}

/**
 * Splits `sql` at its `:name` replacements, as Sequelize reads them: not inside a quoted string
 * or identifier, and not PostgreSQL's `::` cast.
 */
function parse(sql: string): ParsedSql {
  const text: string[] = [];
  const names: string[] = [];
  let start = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] ?? '';
    if (c === "'" || c === '"' || c === '`') {
      const close = sql.indexOf(c, i + 1);
      i = close < 0 ? sql.length : close + 1;
    } else if (c === ':' && sql[i + 1] === ':') {
      i += 2;
    } else if (c === ':' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      let end = i + 2;
      while (end < sql.length && isNameChar(sql[end] ?? '')) end += 1;
      text.push(sql.slice(start, i));
      names.push(sql.slice(i + 1, end));
      start = end;
      i = end;
    } else {
      i += 1;
    }
  }
  text.push(sql.slice(start));
  return { text, names };
}

function parsedOf(sql: string): ParsedSql {
  let p = parsed.get(sql);
  if (p === undefined) {
    if (parsed.size >= MAX_PARSED) parsed.clear();
    p = parse(sql);
    parsed.set(sql, p);
  }
  return p;
}

/**
 * Turns a statement with `:name` replacements into one with positional parameters, expanding
 * values the way Sequelize's replacements do: an array becomes a list (`IN (:ids)`), an array
 * of arrays a list of tuples (`VALUES :rows`, `(a, b) IN (:pairs)`), an empty array `NULL`
 * (so `IN (NULL)` matches nothing). `undefined` binds as NULL.
 *
 * @param placeholder - the parameter marker of the driver (`?`), or a function of the
 *   parameter's 1-based position (`(n) => '$' + n` for `pg`)
 * @throws Error when the statement names a replacement that `replacements` lacks
 */
export function toPositional(
  sql: string,
  replacements: Replacements,
  placeholder: string | ((n: number) => string),
): PositionalSql {
  const { text, names } = parsedOf(sql);
  if (names.length === 0) return { sql, values: [] };
  const values: unknown[] = [];
  const bind = (v: unknown): string => {
    values.push(v === undefined ? null : v);
    return typeof placeholder === 'string' ? placeholder : placeholder(values.length);
  };
  let out = text[0] ?? '';
  for (const [i, name] of names.entries()) {
    if (!(name in replacements)) throw new Error(`the statement names the replacement :${name}, which has no value`);
    const value = replacements[name];
    if (!Array.isArray(value)) out += bind(value);
    else if (value.length === 0) out += 'NULL';
    else out += value.map((v: unknown) => (Array.isArray(v) ? `(${v.map(bind).join(', ')})` : bind(v))).join(', ');
    out += text[i + 1] ?? '';
  }
  return { sql: out, values };
}
