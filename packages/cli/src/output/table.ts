import type { TextSink } from '../context.js';
import { terminalSafe } from './terminal-text.js';

/** One column of a table: its header and how a row shows in it. */
export interface Column<R> {
  /** Header text, shown upper-case. */
  header: string;
  /** The cell of a row; null and undefined show as `-`. */
  cell: (row: R) => string | number | boolean | null | undefined;
}

/**
 * Formats rows as a table aligned on spaces, with a header line. Empty input gives only the
 * header, so a script reading the table sees the columns either way.
 *
 * @param columns - what to show
 * @param rows - the rows
 * @returns the lines, without trailing newlines
 */
export function formatTable<R>(columns: readonly Column<R>[], rows: readonly R[]): string[] {
  const cells = rows.map((r) => columns.map((c) => showCell(c.cell(r))));
  const headers = columns.map((c) => c.header.toUpperCase());
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]): string =>
    row
      .map((v, i) => (i === row.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)];
}

/** Writes a table to a sink. */
export function writeTable<R>(sink: TextSink, columns: readonly Column<R>[], rows: readonly R[]): void {
  for (const l of formatTable(columns, rows)) sink.write(`${l}\n`);
}

/** Writes `key  value` lines, keys aligned. */
export function writeFields(sink: TextSink, fields: readonly [string, unknown][]): void {
  const width = Math.max(0, ...fields.map(([k]) => k.length));
  for (const [k, v] of fields) sink.write(`${k.padEnd(width)}  ${showCell(v)}\n`);
}

/** A cell as shown: on one line, control characters made visible ({@link terminalSafe}). */
function showCell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (typeof value === 'string') return terminalSafe(value.replace(/\s+/g, ' '));
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return terminalSafe(JSON.stringify(value));
}

/** An instant for a table: ISO-8601 UTC, or `-`. */
export function showInstant(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}
