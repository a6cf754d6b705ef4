import type { FailoverFigures } from './failover.js';
import type { PeerResult } from './peers/peer-result.js';
import type { BenchResult } from './result.js';
import type { Distribution } from './stats.js';
import { formatDistribution, formatNumber } from './table.js';

/** What a column of the comparison shows, Rookery's and each peer's alike. */
interface Column {
  title: string;
  skipped: string | null;
  completed: number;
  expected: number;
  tasksPerSecond: number;
  latenessMs: Distribution;
  counterPerTask: number | null;
  nodeCpuPerTaskMs: number;
  dbCpuPerTaskMs: number | null;
  failover: FailoverFigures | null;
  lost: number;
  reruns: number;
  generalErrors: number;
}

/** The side-by-side comparison: a title, the table's cells (header row first) and notes below it. */
export interface ComparisonTable {
  /** The workload and where each system ran. */
  title: string;
  /** Rows of cells: the header, then one row per figure. */
  cells: string[][];
  /** Skips, warnings and each peer's settings, one line each. */
  notes: string[];
}

const DB_NAMES: Record<string, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL', mariadb: 'MariaDB' };

function rookeryColumn(r: BenchResult): Column {
  return {
    title: 'Rookery',
    skipped: null,
    completed: r.completed,
    expected: r.expected,
    tasksPerSecond: r.tasksPerSecond,
    latenessMs: r.latenessMs,
    counterPerTask: r.dbTransactions?.perTask ?? null,
    nodeCpuPerTaskMs: r.nodeCpu.perTaskMs,
    dbCpuPerTaskMs: r.dbCpu?.perTaskMs ?? null,
    failover: r.failover,
    lost: r.lost,
    reruns: r.reruns,
    generalErrors: r.generalErrors,
  };
}

function peerColumn(p: PeerResult): Column {
  return {
    title: p.version === null ? p.peer : `${p.peer} ${p.version.split(' ')[0] ?? ''}`,
    skipped: p.skipped,
    completed: p.completed,
    expected: p.expected,
    tasksPerSecond: p.tasksPerSecond,
    latenessMs: p.latenessMs,
    counterPerTask: p.serverCounter?.perTask ?? null,
    nodeCpuPerTaskMs: p.nodeCpu.perTaskMs,
    dbCpuPerTaskMs: p.dbCpu?.perTaskMs ?? null,
    failover: p.failover,
    lost: p.lost,
    reruns: p.reruns,
    generalErrors: p.generalErrors,
  };
}

/** A figure's cell: `—` for a skipped column, `n/a` for a missing value. */
function cell(c: Column, value: (c: Column) => string): string {
  return c.skipped === null ? value(c) : '—';
}

/**
 * The comparison of Rookery's run with the peers' runs of the same workload: one row per
 * figure, one column per system; a skipped peer's column is `—` with the reason in the notes.
 */
export function comparisonTable(rookery: BenchResult, peers: readonly PeerResult[]): ComparisonTable {
  const columns = [rookeryColumn(rookery), ...peers.map(peerColumn)];
  const rows: [string, (c: Column) => string][] = [
    ['tasks completed / due', (c) => `${formatNumber(c.completed)} / ${formatNumber(c.expected)}`],
    ['tasks/s', (c) => formatNumber(c.tasksPerSecond, 1)],
    ['start lateness p50 / p95 / p99 / max ms', (c) => formatDistribution(c.latenessMs)],
    [
      'db transactions per task (Redis: commands)',
      (c) => (c.counterPerTask === null ? 'n/a' : formatNumber(c.counterPerTask, 2)),
    ],
    ['node CPU ms per task', (c) => formatNumber(c.nodeCpuPerTaskMs, 3)],
    ['db server CPU ms per task', (c) => (c.dbCpuPerTaskMs === null ? 'n/a' : formatNumber(c.dbCpuPerTaskMs, 3))],
  ];
  if (rookery.workload === 'failover') {
    rows.push(
      [
        'latest start lateness of a task not held by the killed process, ms',
        (c) => (c.failover ? formatNumber(c.failover.latestUnheldLatenessMs) : 'n/a'),
      ],
      [
        'tasks held by the killed process / not restarted',
        (c) => (c.failover ? `${formatNumber(c.failover.held)} / ${formatNumber(c.failover.notRestarted)}` : 'n/a'),
      ],
      [
        "killed process's tasks restarted p50 / p95 / p99 / max ms after the kill",
        (c) => (c.failover ? formatDistribution(c.failover.restartMs) : 'n/a'),
      ],
    );
  }
  rows.push(
    ['lost', (c) => formatNumber(c.lost)],
    ['reruns', (c) => formatNumber(c.reruns)],
    ['generalErrors', (c) => formatNumber(c.generalErrors)],
  );
  const pgPeers = peers.filter((p) => p.peer !== 'bullmq');
  const where = [
    `Rookery on ${DB_NAMES[rookery.db] ?? rookery.db}`,
    ...(pgPeers.length > 0 ? [`${pgPeers.map((p) => p.peer).join(' and ')} on ${pgPeers[0]?.server ?? ''}`] : []),
    ...peers.filter((p) => p.peer === 'bullmq').map((p) => `BullMQ on ${p.server}`),
  ];
  const busy = rookery.parameters['busyLoops'];
  const title = `${rookery.workload}: ${rookery.nodes} process(es) × ${rookery.concurrency} concurrency each${busy ? `, ${busy} busy loop(s) beside` : ''}; ${where.join('; ')}`;
  const notes: string[] = [];
  for (const p of peers) {
    if (p.skipped !== null) notes.push(`${p.peer}: skipped: ${p.skipped}`);
    for (const w of p.warnings) notes.push(`${p.peer}: warning: ${w}`);
    if (p.skipped === null)
      notes.push(
        `${p.peer} settings: ${Object.entries(p.settings)
          .map(([k, v]) => `${k}: ${v}`)
          .join('; ')}`,
      );
  }
  for (const w of rookery.warnings) notes.push(`Rookery: warning: ${w}`);
  return {
    title,
    cells: [
      ['figure', ...columns.map((c) => c.title)],
      ...rows.map(([name, value]) => [name, ...columns.map((c) => cell(c, value))]),
    ],
    notes,
  };
}

/** The comparison as text: the title, the columns aligned under a rule, then the notes. */
export function formatComparison(table: ComparisonTable): string {
  const widths = (table.cells[0] ?? []).map((_, i) => Math.max(...table.cells.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]): string =>
    row
      .map((text, i) => (i === 0 ? text.padEnd(widths[i] ?? 0) : text.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const [header = [], ...body] = table.cells;
  return [
    table.title,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
    ...table.notes,
  ].join('\n');
}
