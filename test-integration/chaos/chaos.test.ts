import { describe, expect, it } from 'vitest';
import { testDialects } from '../../packages/datastore-sql/test/helpers/test-databases.js';
import { NEMESES } from '../src/nemesis/nemeses.js';
import { runScenario } from '../src/nemesis/run-scenario.js';
import { QUICK_WORKLOAD } from '../src/nemesis/workload.js';

// The fault suite's long profile, run by `npm run chaos -- --minutes N` (test-integration/scripts/chaos.mjs
// sets these variables): one nemesis (default `mixed`) for N minutes on each dialect.
const MINUTES = Number(process.env['ROOKERY_CHAOS_MINUTES'] ?? 2);
const NEMESIS = process.env['ROOKERY_CHAOS_NEMESIS'] ?? 'mixed';
const SEED = Number(process.env['ROOKERY_NEMESIS_SEED'] ?? Date.now() % 1_000_000);
const nemesis = NEMESES.find((n) => n.name === NEMESIS);
if (!nemesis) throw new Error(`no nemesis '${NEMESIS}'; known: ${NEMESES.map((n) => n.name).join(', ')}`);
if (!(MINUTES > 0))
  throw new Error(`ROOKERY_CHAOS_MINUTES must be a positive number, got '${process.env['ROOKERY_CHAOS_MINUTES']}'`);

const dialects = (await testDialects()).filter((d) => nemesis.dialects.includes(d.label));

for (const dialect of dialects) {
  describe(`chaos on ${dialect.label}`, () => {
    it.skipIf(!dialect.available)(
      `${nemesis.name} for ${MINUTES} min (seed ${SEED})`,
      async () => {
        const durationMs = MINUTES * 60_000;
        // One-shots keep falling due throughout: about one every 2.5 s.
        const workload = {
          ...QUICK_WORKLOAD,
          oneShots: Math.max(QUICK_WORKLOAD.oneShots, Math.round(durationMs / 2_500)),
        };
        const { report, exitCodes } = await runScenario(dialect, nemesis, { durationMs, workload, seed: SEED });
        expect(report.summary.started).toBeGreaterThan(0);
        expect(report.lost).toEqual([]);
        expect(report.duplicateCompletions).toEqual([]);
        expect(report.overlaps).toEqual([]);
        expect(report.executionOverlaps).toEqual([]);
        expect(report.staleCommits).toEqual([]);
        expect(report.leftLeased).toEqual([]);
        expect(exitCodes.every((c) => c === 0)).toBe(true);
      },
      MINUTES * 60_000 + 180_000,
    );
  });
}
