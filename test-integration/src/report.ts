import type { HistoryReport } from '@rookery/core';
import type { ClusterNode } from './cluster.js';

/** Prints the checker's verdict as one table, so CI output shows what was checked. */
export function printReport(title: string, report: HistoryReport, window?: { from: number; to: number }): void {
  const ms = report.recoveries.flatMap((r) => (r.ms === null ? [] : [r.ms])).sort((a, b) => a - b);
  const settled = report.recoveries.filter((r) => r.ms === null).map((r) => r.settledAs ?? 'never');
  const rows: [string, string | number][] = [
    ['fire times expected', report.summary.expected],
    ['attempts started', report.summary.started],
    ['completed', report.summary.completed],
    ['skipped (duplicate skip)', report.summary.skipped],
    ['repairs', report.summary.repairs],
    [
      'lost',
      report.lost.length +
        (window && report.lost.length
          ? ` (fire times ${Math.min(...report.lost.map((l) => l.fireAt)) - window.from}..${Math.max(...report.lost.map((l) => l.fireAt)) - window.from} ms into the window of ${window.to - window.from} ms)`
          : ''),
    ],
    ['duplicate completions', report.duplicateCompletions.length],
    ['overlaps', report.overlaps.length],
    ['executions of a task at once', report.executionOverlaps.length],
    ['zombie overlaps (allowed)', report.zombieOverlaps.length],
    ['stale commits', report.staleCommits.length],
    ['left leased', report.leftLeased.length],
    ['late starts', report.late.length],
    ["faulted node's tasks rerun (max ms)", ms.length ? `${ms.length} (${ms[ms.length - 1]})` : 0],
    ["faulted node's tasks settled instead", settled.length ? settled.join(', ') : 0],
    [
      'attempts per node',
      Object.entries(report.summary.perNode)
        .map(([n, c]) => `${n} ${c}`)
        .join(', '),
    ],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  // The first few findings of each violation, so a failed run says what happened.
  const findings = (
    [
      'lost',
      'duplicateCompletions',
      'overlaps',
      'executionOverlaps',
      'zombieOverlaps',
      'staleCommits',
      'leftLeased',
      'late',
    ] as const
  ).flatMap((kind) =>
    report[kind]
      .slice(0, 3)
      .map(
        (f) => `  ${kind}: task ${f.taskId ?? '-'} of schedule ${f.scheduleId} at fire time ${f.fireAt}: ${f.detail}`,
      ),
  );
  console.log([`\n== ${title}`, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`), ...findings].join('\n'));
}

/**
 * Prints the `generalError`s the nodes reported: a total, then each node that reported any
 * with its first few lines, to explain a failure. (Errors are expected while faults last: a
 * killed session or a stopped server fails the statements under way.)
 */
export function printNodeErrors(nodes: ClusterNode[]): void {
  const lines: string[] = [];
  let total = 0;
  for (const n of nodes) {
    const errors = n.output
      .join('')
      .split('\n')
      .filter((line) => line.includes('generalError'));
    total += errors.length;
    if (errors.length)
      lines.push(`  ${n.id}: ${errors.length} generalError(s), first: ${errors.slice(0, 3).join(' | ')}`);
  }
  console.log(
    [`  generalErrors                         ${total} from ${nodes.length} node process(es)`, ...lines].join('\n'),
  );
}
