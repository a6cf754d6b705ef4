import type { Instant } from '../api/types.js';

/** Epoch ms of an instant the API sent (ISO string or number); null stays null. */
export function toMs(value: Instant | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'number' ? value : Date.parse(value);
}

/** An instant as `2026-12-07 01:02:03` in the browser's zone (`–` for none). */
export function formatTime(value: Instant | null | undefined): string {
  const ms = toMs(value);
  if (ms === null || Number.isNaN(ms)) return '–';
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A duration in ms as `850 ms`, `12.3 s`, `4 min 5 s` or `2 h 3 min`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '–';
  const abs = Math.abs(ms);
  const sign = ms < 0 ? '−' : '';
  if (abs < 1_000) return `${sign}${Math.round(abs)} ms`;
  if (abs < 60_000) return `${sign}${(abs / 1_000).toFixed(1)} s`;
  if (abs < 3_600_000) return `${sign}${Math.floor(abs / 60_000)} min ${Math.round((abs % 60_000) / 1_000)} s`;
  return `${sign}${Math.floor(abs / 3_600_000)} h ${Math.round((abs % 3_600_000) / 60_000)} min`;
}

/** How a trigger reads: `every 5.0 s`, `cron 0 3 * * *`, `once at ...`. */
export function describeTrigger(trigger: { kind: string; [field: string]: unknown }): string {
  if (trigger.kind === 'interval' && typeof trigger['everyMs'] === 'number')
    return `every ${formatDuration(trigger['everyMs'])}`;
  if (trigger.kind === 'cron' && typeof trigger['expr'] === 'string')
    return `cron ${trigger['expr']}${typeof trigger['tz'] === 'string' ? ` (${trigger['tz']})` : ''}`;
  if (trigger.kind === 'once') return `once at ${formatTime(trigger['at'] as Instant)}`;
  return trigger.kind;
}

/** JSON for people: indented, `–` for undefined. */
export function formatJson(value: unknown): string {
  return value === undefined ? '–' : JSON.stringify(value, null, 2);
}
