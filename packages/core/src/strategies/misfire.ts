import type { BuiltInMisfirePolicyName } from '../model/policies.js';

/** How one fire time found while peeling is recorded. */
export interface OccurrencePlan {
  /** The fire time (the first one, for a span). */
  fireAt: number;
  /** For a span standing for many fire times, the last of them; else null. */
  spanEndAt: number | null;
  /** Fire times the row stands for. */
  spanCount: number;
  /** `pending` to run it; a terminal ledger state otherwise. */
  state: 'pending' | 'missed' | 'coalesced';
  /** Why, for ledger rows and coalesced runs. */
  reason: string | null;
}

/** What a misfire strategy is told about the fire times found while peeling. */
export interface MisfireInput {
  /** Fire times that fell due longer ago than the misfire grace, ascending. */
  misfired: number[];
  /** False when more misfired fire times follow in a later peel (the backlog was cut). */
  final: boolean;
  /** `misfireMaxRuns` of the schedule. */
  maxRuns: number;
}

/** Turns misfired fire times into ledger rows: which run, which are recorded as missed or coalesced. */
export type MisfireStrategy = (input: MisfireInput) => OccurrencePlan[];

const one = (fireAt: number, state: OccurrencePlan['state'], reason: string | null): OccurrencePlan => ({
  fireAt,
  spanEndAt: null,
  spanCount: 1,
  state,
  reason,
});

/** `skip`: every misfired fire time is recorded as missed. */
export const skipMisfire: MisfireStrategy = ({ misfired }) =>
  misfired.map((f) => one(f, 'missed', 'misfire policy skip: due while no node could run it'));

/** `run-once`: the latest misfired fire time runs once; the others are recorded as coalesced into it. */
export const runOnceMisfire: MisfireStrategy = ({ misfired, final }) => {
  const last = misfired.length - 1;
  return misfired.map((f, i) =>
    final && i === last
      ? one(
          f,
          'pending',
          misfired.length > 1 ? `misfire policy run-once: runs for ${misfired.length} missed fire times` : null,
        )
      : one(f, 'coalesced', 'misfire policy run-once: coalesced into a later run'),
  );
};

/** `run-all`: the most recent `maxRuns` misfired fire times run; older ones are recorded as missed. */
export const runAllMisfire: MisfireStrategy = ({ misfired, final, maxRuns }) => {
  const firstRun = final ? Math.max(0, misfired.length - maxRuns) : misfired.length;
  return misfired.map((f, i) =>
    i >= firstRun
      ? one(f, 'pending', 'misfire policy run-all: catch-up run')
      : one(f, 'missed', `misfire policy run-all: beyond the maximum of ${maxRuns} catch-up runs`),
  );
};

/** The built-in misfire strategies by policy name. */
export const builtInMisfireStrategies: Record<BuiltInMisfirePolicyName, MisfireStrategy> = {
  skip: skipMisfire,
  'run-once': runOnceMisfire,
  'run-all': runAllMisfire,
};
