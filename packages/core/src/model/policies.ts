import type { TASK_POLICY_KEYS } from './task-policies.js';

/** What to do when a task of a schedule falls due while an earlier one still runs. */
export type DuplicatePolicyName = 'run' | 'skip' | 'replace' | 'queue';

/** The built-in misfire policies. */
export type BuiltInMisfirePolicyName = 'run-all' | 'run-once' | 'skip';

/**
 * What to do with fire times that fell due while no node could run them: a built-in policy,
 * or the name of a misfire strategy registered in the node's and the client's registry.
 */
export type MisfirePolicyName = BuiltInMisfirePolicyName | (string & {});

/** The built-in retry kinds. */
export type BuiltInRetryKind = 'none' | 'fixed' | 'exponential';

/** When the next task of a schedule is created. */
export type TaskCreationName = 'ahead' | 'on-start' | 'on-end';

/** How often an attempt may be started. */
export type DeliveryMode = 'at-least-once' | 'at-most-once';

/** Retry policy of a schedule's tasks. */
export interface RetryPolicy {
  /**
   * `none`: one attempt; `fixed`: `delayMs` between attempts; `exponential`:
   * `delayMs * factor^(n-1)`, capped; or the name of a registered retry strategy.
   */
  kind: BuiltInRetryKind | (string & {});
  /** Attempts in all, the first included (1 = no retry). @defaultValue 1 */
  maxAttempts: number;
  /** Base delay before a retry. @defaultValue 1000 */
  delayMs: number;
  /** Growth factor for `exponential`. @defaultValue 2 */
  factor: number;
  /** Upper bound of any single delay. @defaultValue 3 600 000 (one hour) */
  maxDelayMs: number;
  /** Fraction of the delay randomised away, 0..1 ("full jitter" at 1). @defaultValue 0 */
  jitter: number;
}

/** What to do with wall-clock times that a DST transition skips or repeats. */
export interface DstPolicy {
  /** A time inside a skipped hour: run right after the gap, or skip it. @defaultValue 'run-after-gap' */
  gap: 'run-after-gap' | 'skip';
  /** A time inside a repeated hour: run on its first occurrence, its last, or both. @defaultValue 'first' */
  overlap: 'first' | 'last' | 'both';
}

/** Every policy of a schedule, all with defaults. */
export interface SchedulePolicies {
  /** Overlap policy, enforced cluster-wide. @defaultValue 'run' */
  duplicate: DuplicatePolicyName;
  /** Misfire policy. @defaultValue 'run-once' */
  misfire: MisfirePolicyName;
  /** Maximum runs a `run-all` catch-up may start. @defaultValue 10 */
  misfireMaxRuns: number;
  /** A fire time older than this when it is peeled counts as misfired. @defaultValue 60 000 */
  misfireGraceMs: number;
  /** A due task not started within this many ms of its fire time is recorded as missed; null for no deadline. @defaultValue null */
  startingDeadlineMs: number | null;
  /** Retry policy. */
  retry: RetryPolicy;
  /** Abort an attempt that runs longer than this; null for no timeout. @defaultValue null */
  timeoutMs: number | null;
  /** Higher runs first among tasks due at once. @defaultValue 0 */
  priority: number;
  /** When the next task is created. @defaultValue 'ahead' */
  taskCreation: TaskCreationName;
  /** Delivery mode. @defaultValue 'at-least-once' */
  delivery: DeliveryMode;
  /** DST policy of wall-clock triggers. */
  dst: DstPolicy;
  /** Random delay added to each fire time, 0..jitterMs. @defaultValue 0 */
  jitterMs: number;
}

/** The policies a task carries with it, copied from its schedule when it was peeled (see `TASK_POLICY_KEYS`). */
export type TaskPolicies = Pick<SchedulePolicies, (typeof TASK_POLICY_KEYS)[number]>;
