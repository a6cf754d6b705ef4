import { describe, expect, it } from 'vitest';
import {
  builtInMisfireStrategies,
  runAllMisfire,
  runOnceMisfire,
  skipMisfire,
  type OccurrencePlan,
} from '../../src/index.js';

const MIN = 60_000;
const backlog = (n: number, from = 1_000_000) => Array.from({ length: n }, (_, i) => from + i * MIN);
const states = (plans: OccurrencePlan[]) => plans.map((p) => p.state);

/** Every plan is a single fire time, in the order given, one row per misfired fire time. */
function expectOneRowPerFireTime(plans: OccurrencePlan[], misfired: number[]): void {
  expect(plans.map((p) => p.fireAt)).toEqual(misfired);
  for (const p of plans) {
    expect(p.spanEndAt).toBeNull();
    expect(p.spanCount).toBe(1);
  }
}

describe('misfire: skip', () => {
  it('records every misfired fire time as missed, with a reason', () => {
    const misfired = backlog(10);
    const plans = skipMisfire({ misfired, final: true, maxRuns: 3 });
    expectOneRowPerFireTime(plans, misfired);
    expect(new Set(states(plans))).toEqual(new Set(['missed']));
    expect(plans.every((p) => /skip/.test(p.reason ?? ''))).toBe(true);
  });

  it('is the same whether or not the backlog is final', () => {
    const misfired = backlog(4);
    expect(skipMisfire({ misfired, final: false, maxRuns: 1 })).toEqual(
      skipMisfire({ misfired, final: true, maxRuns: 1 }),
    );
  });

  it('writes nothing for an empty backlog', () => {
    expect(skipMisfire({ misfired: [], final: true, maxRuns: 10 })).toEqual([]);
  });
});

describe('misfire: run-once', () => {
  it('final backlog: the latest fire time runs, every earlier one is coalesced into it', () => {
    const misfired = backlog(10);
    const plans = runOnceMisfire({ misfired, final: true, maxRuns: 10 });
    expectOneRowPerFireTime(plans, misfired);
    expect(states(plans)).toEqual([...Array(9).fill('coalesced'), 'pending']);
    expect(plans[9]?.reason).toMatch(/10 missed fire times/);
    expect(plans[0]?.reason).toMatch(/coalesced/);
  });

  it('non-final backlog: nothing runs yet; all coalesced into a run in a later peel', () => {
    const misfired = backlog(5);
    const plans = runOnceMisfire({ misfired, final: false, maxRuns: 10 });
    expectOneRowPerFireTime(plans, misfired);
    expect(states(plans)).toEqual(Array(5).fill('coalesced'));
  });

  it('a single misfired fire time simply runs', () => {
    const plans = runOnceMisfire({ misfired: [42], final: true, maxRuns: 10 });
    expect(plans).toEqual([{ fireAt: 42, spanEndAt: null, spanCount: 1, state: 'pending', reason: null }]);
  });

  it('writes nothing for an empty backlog', () => {
    expect(runOnceMisfire({ misfired: [], final: true, maxRuns: 10 })).toEqual([]);
  });
});

describe('misfire: run-all', () => {
  it('runs the most recent maxRuns fire times and records the older ones as missed', () => {
    const misfired = backlog(10);
    const plans = runAllMisfire({ misfired, final: true, maxRuns: 3 });
    expectOneRowPerFireTime(plans, misfired);
    expect(states(plans)).toEqual([...Array(7).fill('missed'), 'pending', 'pending', 'pending']);
    expect(plans[0]?.reason).toMatch(/maximum of 3/);
  });

  it('runs them all when the backlog is within maxRuns', () => {
    const misfired = backlog(4);
    expect(states(runAllMisfire({ misfired, final: true, maxRuns: 10 }))).toEqual(Array(4).fill('pending'));
    expect(states(runAllMisfire({ misfired, final: true, maxRuns: 4 }))).toEqual(Array(4).fill('pending'));
  });

  it('non-final backlog: runs none of it (the most recent ones come in a later peel)', () => {
    const misfired = backlog(6);
    expect(states(runAllMisfire({ misfired, final: false, maxRuns: 10 }))).toEqual(Array(6).fill('missed'));
  });

  it('maxRuns 1 behaves like run-once but records the rest as missed', () => {
    const misfired = backlog(3);
    expect(states(runAllMisfire({ misfired, final: true, maxRuns: 1 }))).toEqual(['missed', 'missed', 'pending']);
  });
});

describe('built-in misfire strategies', () => {
  it('are keyed by policy name', () => {
    expect(builtInMisfireStrategies).toEqual({
      skip: skipMisfire,
      'run-once': runOnceMisfire,
      'run-all': runAllMisfire,
    });
  });

  it('never run more than maxRuns (run-all) or one (run-once) of a huge backlog', () => {
    const misfired = backlog(10_000);
    const pending = (plans: OccurrencePlan[]) => plans.filter((p) => p.state === 'pending').length;
    expect(pending(runAllMisfire({ misfired, final: true, maxRuns: 25 }))).toBe(25);
    expect(pending(runOnceMisfire({ misfired, final: true, maxRuns: 25 }))).toBe(1);
    expect(pending(skipMisfire({ misfired, final: true, maxRuns: 25 }))).toBe(0);
  });
});
