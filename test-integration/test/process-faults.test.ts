import { describe, expect, it } from 'vitest';
import { testDialects } from '../../packages/datastore-sql/test/helpers/test-databases.js';
import { blackhole, killRestart } from '../src/nemesis/nemeses.js';
import { runScenario } from '../src/nemesis/run-scenario.js';
import type { WorkloadSize } from '../src/nemesis/workload.js';

// `process` tasks under the faults that leave a node's children behind: the node SIGKILLed (its
// children must die with it) and the node cut off from the database by a blackhole (its trust
// window must end each child, SIGTERM then SIGKILL, before another node may rerun the task).
// Each execution's records come from the child itself (fixtures/recording-command.sh: start,
// a sign of life every 100 ms, end); half the commands ignore SIGTERM. The checker must find no
// execution of a task overlapping another. Run with
//   CI=true npx vitest run --project integration test-integration/test/process-faults.test.ts
const PROCESSES: WorkloadSize = {
  intervals: 0,
  crons: 0,
  longSkips: 0,
  failing: 0,
  oneShots: 0,
  externals: 0,
  longRuns: 0,
  processes: 6,
};
// Long enough for two or three kills, or one blackhole (2 leases) of a node that holds tasks.
const DURATION_MS = 10_000;
// A lease that leaves the trust window room for the kill grace (a quarter of the lease) and the
// renewals of a loaded machine.
const LEASE_MS = 4_000;
const SEED = Number(process.env['ROOKERY_NEMESIS_SEED'] ?? 20261122);

const dialects = (await testDialects()).filter((d) => d.label !== 'sqlite');

for (const dialect of dialects) {
  describe(`process tasks under faults on ${dialect.label}`, () => {
    for (const nemesis of [killRestart, blackhole]) {
      it.skipIf(!dialect.available)(
        `${nemesis.name}: no execution of a process task overlaps another`,
        async () => {
          const { report, faults, exitCodes } = await runScenario(dialect, nemesis, {
            durationMs: DURATION_MS,
            workload: PROCESSES,
            seed: SEED,
            leaseMs: LEASE_MS,
          });
          expect(faults.length).toBeGreaterThan(0);
          expect(report.summary.started).toBeGreaterThan(0);
          expect(report.recoveries.length).toBeGreaterThan(0);
          expect(report.executionOverlaps).toEqual([]);
          expect(report.lost).toEqual([]);
          expect(report.duplicateCompletions).toEqual([]);
          expect(report.staleCommits).toEqual([]);
          expect(report.leftLeased).toEqual([]);
          expect(exitCodes.every((c) => c === 0)).toBe(true);
        },
        120_000,
      );
    }
  });
}
