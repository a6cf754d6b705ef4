import type { BenchResult } from './result.js';
import type { Distribution } from './stats.js';

/** `value` with `digits` decimals, grouped by thousands; `n/a` for NaN. */
export function formatNumber(value: number, digits = 0): string {
  if (Number.isNaN(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** p50 / p95 / p99 / max of `d`, or `n/a (no samples)`. */
export function formatDistribution(d: Distribution): string {
  if (d.count === 0) return 'n/a (no samples)';
  return [d.p50, d.p95, d.p99, d.max].map((v) => formatNumber(v)).join(' / ');
}

/** The rows of the bench's table: figure name and value, in print order. */
export function resultRows(r: BenchResult): [string, string][] {
  const params = Object.entries(r.parameters)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k} ${formatNumber(v ?? Number.NaN)}`)
    .join(', ');
  const rows: [string, string][] = [
    ['workload', `${r.workload} on ${r.db}, ${r.nodes} node(s) × ${r.concurrency} slots${params ? `; ${params}` : ''}`],
    [
      'created (bulk)',
      `${formatNumber(r.created.schedules)} schedules and ${formatNumber(r.created.jobs)} jobs in ${formatNumber(r.created.ms)} ms`,
    ],
    ['tasks completed / due', `${formatNumber(r.completed)} / ${formatNumber(r.expected)}`],
    [
      'tasks/s',
      `${formatNumber(r.tasksPerSecond, 1)} (over ${formatNumber(r.durationMs)} ms from the first due time to the last end)`,
    ],
    ['start lateness p50 / p95 / p99 / max', `${formatDistribution(r.latenessMs)} ms`],
    [
      'db transactions per task',
      r.dbTransactions
        ? `${formatNumber(r.dbTransactions.perTask, 2)} (${formatNumber(r.dbTransactions.perSecond, 1)}/s; ${r.dbTransactions.source})`
        : 'n/a (SQLite keeps no counter)',
    ],
    [
      'node CPU ms per task',
      `${formatNumber(r.nodeCpu.perTaskMs, 3)} (${formatNumber(r.nodeCpu.perSecondMs, 1)} ms/s, all nodes)`,
    ],
    [
      'db server CPU ms per task',
      r.dbCpu
        ? `${formatNumber(r.dbCpu.perTaskMs, 3)} (${formatNumber(r.dbCpu.perSecondMs, 1)} ms/s, ${r.dbCpu.processes} processes)`
        : 'n/a (embedded or not on this machine)',
    ],
    [
      'node RSS peak MiB',
      Object.entries(r.nodePeakRssMiB)
        .map(([id, mib]) => `${id} ${formatNumber(mib, 1)}`)
        .join(', '),
    ],
    ['lost', String(r.lost)],
    ['duplicated', String(r.duplicated)],
    ['reruns (at-least-once)', String(r.reruns)],
  ];
  if (r.recoveryMs)
    rows.push([
      "killed node's tasks restarted p50 / p95 / p99 / max",
      `${formatDistribution(r.recoveryMs)} ms after the kill`,
    ]);
  if (r.failover)
    rows.push([
      'latest start lateness of a task not held by the killed node',
      `${formatNumber(r.failover.latestUnheldLatenessMs)} ms (the killed node held ${r.failover.held})`,
    ]);
  rows.push(['generalErrors', String(r.generalErrors)]);
  for (const w of r.warnings) rows.push(['warning', w]);
  return rows;
}

/** Two aligned columns, figure and value, under a rule. */
export function formatTable(rows: readonly [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    `${'figure'.padEnd(width)}  value`,
    `${'-'.repeat(width)}  ${'-'.repeat(5)}`,
    ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`),
  ].join('\n');
}
