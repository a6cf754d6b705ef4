import { describe, expect, it } from 'vitest';
import { testDialects } from '../../packages/datastore-sql/test/helpers/test-databases.js';
import { NEMESES } from '../src/nemesis/nemeses.js';
import { runScenario } from '../src/nemesis/run-scenario.js';
import { QUICK_WORKLOAD } from '../src/nemesis/workload.js';

// The fault suite's quick profile (RELIABILITY.md §5): each nemesis for a short run on every
// dialect it applies to, checked by the history checker. `pause` has its own, more detailed
// test (pause.test.ts) and `mixed` runs in `npm run chaos`. ROOKERY_NEMESIS_SEED replays a run.
const QUICK = [
  'kill-restart',
  'disconnect',
  'server-restart',
  'clock-skew',
  'graceful-stop',
  'write-lock-kill',
  'blackhole',
  'slow-link',
];
const DURATION_MS = 12_000;
const SEED = Number(process.env['ROOKERY_NEMESIS_SEED'] ?? 20261122);

const dialects = await testDialects();

for (const dialect of dialects) {
  describe(`fault suite, quick profile, on ${dialect.label}`, () => {
    for (const nemesis of NEMESES.filter((n) => QUICK.includes(n.name) && n.dialects.includes(dialect.label))) {
      it.skipIf(!dialect.available)(
        `${nemesis.name}: ${nemesis.description}`,
        async () => {
          const { report, faults, exitCodes, externals } = await runScenario(dialect, nemesis, {
            durationMs: DURATION_MS,
            workload: QUICK_WORKLOAD,
            seed: SEED,
          });
          expect(report.summary.started).toBeGreaterThan(0);
          expect(externals.completed).toBeGreaterThan(0);
          expect(faults.length).toBeGreaterThan(0);
          expect(report.lost).toEqual([]);
          expect(report.duplicateCompletions).toEqual([]);
          expect(report.overlaps).toEqual([]);
          expect(report.executionOverlaps).toEqual([]);
          expect(report.staleCommits).toEqual([]);
          expect(report.leftLeased).toEqual([]);
          expect(exitCodes.every((c) => c === 0)).toBe(true);
        },
        120_000,
      );
    }
  });
}
