/**
 * The lease guards of schedule and task rows, written once. Every instant compared is the
 * database clock: `now` is an SQL expression for it (the `:now` the store read with
 * `SqlContext.now`, or a statement's own clock). `table` qualifies the columns when the
 * statement joins (`t`, `s`); empty for none.
 */

/** Where a row's lease columns are read: `table.` or nothing. */
function columnsOf(table: string): string {
  return table === '' ? '' : `${table}.`;
}

/** A row's lease is free: never taken, released, or expired by `now`. */
export function leaseFree(now = ':now', table = ''): string {
  const c = columnsOf(table);
  return `(${c}lease_owner IS NULL OR ${c}lease_expires_at IS NULL OR ${c}lease_expires_at <= ${now})`;
}

/** A row's lease has run out by `now`, or it has none (a running task whose lease is gone awaits repair or adoption). */
export function leaseExpired(now = ':now', table = ''): string {
  const c = columnsOf(table);
  return `(${c}lease_expires_at IS NULL OR ${c}lease_expires_at <= ${now})`;
}

/** Who holds a lease, as SQL expressions: the owner and, for a row fenced by its lease, the fence. */
export interface LeaseHolder {
  /** The owner expression. @defaultValue ':owner' */
  owner?: string;
  /** The fence expression; null for a guard that does not compare the fence. @defaultValue null */
  fence?: string | null;
  /** The database clock. @defaultValue ':now' */
  now?: string;
  /** Qualifies the columns. @defaultValue '' */
  table?: string;
}

/** The row's lease is held by `owner` (under `fence`, when given) and has not run out by `now`. */
export function leaseHeld({ owner = ':owner', fence = null, now = ':now', table = '' }: LeaseHolder = {}): string {
  const c = columnsOf(table);
  return `${c}lease_owner = ${owner}${fence === null ? '' : ` AND ${c}fence = ${fence}`} AND ${c}lease_expires_at > ${now}`;
}

/**
 * The row's lease is the one this call just wrote: `owner` with expiry `expires`. Reads back
 * the rows a conditional UPDATE took or renewed, where the dialect has no `RETURNING`.
 */
export function leaseWritten(owner = ':owner', expires = ':expires'): string {
  return `lease_owner = ${owner} AND lease_expires_at = ${expires}`;
}
