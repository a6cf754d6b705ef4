import type { FaultRecord, HistoryReport, RunRecord, TaskEvent } from '../../src/index.js';

// The scenario of one run of the protocol model (see protocol-sim.ts) and what the run produced.

/** One schedule of the workload. */
export interface JobSpec {
  /** `interval`: every `everyMs` from creation; `once`: `atMs` after T0. */
  trigger: { kind: 'interval'; everyMs: number } | { kind: 'once'; atMs: number };
  /** Run time of each attempt, in simulated ms. */
  durationMs: number;
  /** Duplicate (overlap) policy. */
  duplicate: 'run' | 'skip';
  /** Attempts numbered below this fail. 0: none fails. */
  failUntilAttempt: number;
  /** Attempts in all (retry policy `fixed`). */
  maxAttempts: number;
  /** Attempt timeout, or null for none. */
  timeoutMs: number | null;
  /** Delivery mode: an `at-most-once` attempt whose lease was lost is abandoned, never restarted. */
  delivery: 'at-least-once' | 'at-most-once';
}

/** Datastore calls a fault can wait for. */
export type FaultPoint =
  'taskFinishMany' | 'taskFinishAndClaim' | 'taskRenewLeases' | 'taskClaimDue' | 'schedulePeelMany';

/** A fault of the node with index `node`. */
export interface FaultSpec {
  /** Ms after T0. */
  atMs: number;
  /**
   * `time`: the fault strikes at `atMs`. Otherwise it is armed at `atMs` and strikes when the
   * node next calls this datastore method, right after the call (the request may or may not be
   * on the wire yet): a pause between a node's last check of its lease and its write.
   */
  on: 'time' | FaultPoint;
  /** Node index (modulo the node count). */
  node: number;
  /** `kill`: the node vanishes and a new one starts `forMs` later; `pause`: it takes no step for `forMs`. */
  kind: 'kill' | 'pause';
  /** See `kind`. */
  forMs: number;
}

/** Everything a run is made of. */
export interface Scenario {
  /** Nodes at the start. */
  nodes: number;
  /** Offset of each node's clock from the database clock, by node index. */
  skewsMs: number[];
  /** The workload. */
  jobs: JobSpec[];
  /** Faults. */
  faults: FaultSpec[];
  /** Seed of the interleaving, of the latencies and of the nodes' jitter. */
  seed: number;
}

/** What a run produced. */
export interface SimResult {
  /** The checker's verdict. */
  report: HistoryReport;
  /** Start and end records of every attempt, as the recording executor writes them. */
  records: RunRecord[];
  /** Every transition of every task. */
  events: TaskEvent[];
  /** Faults as injected. */
  faults: FaultRecord[];
  /** Every `generalError` of every node. */
  errors: { nodeId: string; source: string; message: string }[];
  /** Steps the world took. */
  steps: number;
  /** Outcome commits the store refused: the writer no longer held the lease. */
  refusedFinishes: number;
  /** Outcome commits the store accepted from a writer that did not hold the lease (see {@link LeaseOracle}). */
  fenceViolations: string[];
  /** Attempts of a paused node taken over while it slept that it never reported lost (`leaseLost`), or whose execution never ended. */
  unnoticedLosses: string[];
}
