import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fireTimesBetween, nextFireTime, validateTrigger } from '../../src/index.js';
import { oracleProperty, type OracleCounts } from './oracle/oracle.js';

/**
 * The trigger oracle, bounded for CI: nextFireTime of cron, interval and one-time triggers
 * against the brute-force reference in ./oracle (minute-by-minute or second-by-second walks
 * through Intl, DST rules applied from their definitions). `npm run oracle -- --runs N` runs
 * many more cases; FC_SEED and FC_RUNS override the seed and the number of runs here.
 */

const SEED = Number(process.env['FC_SEED'] ?? 20260308);
const RUNS = Number(process.env['FC_RUNS'] ?? 1000);

describe('trigger oracle', () => {
  it(`agrees with the brute-force reference (seed ${SEED}, ${RUNS} cases)`, () => {
    const counts: OracleCounts = { cron: 0, interval: 0, once: 0 };
    fc.assert(oracleProperty({ nextFireTime, fireTimesBetween, validateTrigger }, counts), { numRuns: RUNS, seed: SEED });
    expect(counts.cron + counts.interval + counts.once).toBe(RUNS);
  }, 120_000);
});
