import type { Datastore } from '@rookery/core';

/** One check of a probe: its name, whether it passed, and what was seen. */
export interface HealthCheck {
  /** `loop`, `running`, `database`, `schema` or `clock`. */
  name: string;
  /** True when it passed. */
  ok: boolean;
  /** What was seen, for people. */
  detail: string;
}

/** A probe's answer: ok when every check passed. */
export interface HealthReport {
  /** True when every check passed (HTTP 200; else 503). */
  ok: boolean;
  /** The checks made. */
  checks: HealthCheck[];
}

/** What the probes read of a node. */
export interface HealthNode {
  /** True while the node runs (false before its start and from the start of its stop). */
  readonly isRunning: boolean;
  /** Milliseconds since its loop last began a turn, or null before the first. */
  readonly msSinceLoopTurn: number | null;
  /** Its clock offset from the database clock (ms), as last measured. */
  readonly clockOffset: number;
}

/** Options of {@link createHealth}. */
export interface HealthOptions {
  /** The node probed. */
  node: HealthNode;
  /** The node's datastore: readiness asks it for the database clock. */
  datastore: Pick<Datastore, 'clockNow'>;
  /**
   * Checks the schema is the one this code expects; returns null when it is, else what is
   * wrong. (For a SQL store: `migrationStatus()` has no pending migration.) Left out: not checked.
   */
  schemaProblem?: () => Promise<string | null>;
  /**
   * Liveness fails when the loop has not turned for this long. The default outlasts a turn
   * whose database calls each wait out a SQL store's 30 s pool acquire timeout (a database
   * that drops packets rather than refusing), so an outage alone does not fail liveness.
   * @defaultValue 180 000 ms
   */
  loopStaleMs?: number;
  /** Readiness fails when the clock offset's size exceeds this. @defaultValue 10 000 ms */
  maxClockOffsetMs?: number;
  /** Readiness fails when the database has not answered within this. @defaultValue 2 000 ms */
  databaseTimeoutMs?: number;
}

/** The node's liveness and readiness probes. */
export interface Health {
  /** Alive: the node's loop turned within `loopStaleMs` (a node not yet started or stopping counts as alive). */
  liveness(): HealthReport;
  /** Ready: the node runs, the database answers within `databaseTimeoutMs`, the schema is current and the clock offset within bounds. */
  readiness(): Promise<HealthReport>;
}

function report(checks: HealthCheck[]): HealthReport {
  return { ok: checks.every((c) => c.ok), checks };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Resolves with `work`'s outcome, or rejects when it takes longer than `ms`. */
export async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The readiness checks of the database behind a node or a server: `database` (it answers
 * within `timeoutMs`) and, with `schemaProblem`, `schema` (current). Never throws.
 */
export async function databaseChecks(
  datastore: Pick<Datastore, 'clockNow'>,
  schemaProblem: (() => Promise<string | null>) | undefined,
  timeoutMs: number,
): Promise<HealthCheck[]> {
  const checks: HealthCheck[] = [];
  try {
    await within(datastore.clockNow(), timeoutMs, 'the database');
    checks.push({ name: 'database', ok: true, detail: 'the database answers' });
  } catch (error) {
    checks.push({ name: 'database', ok: false, detail: message(error) });
  }
  if (schemaProblem) {
    try {
      const problem = await within(schemaProblem(), timeoutMs, 'the schema check');
      checks.push({ name: 'schema', ok: problem === null, detail: problem ?? 'the schema is current' });
    } catch (error) {
      checks.push({ name: 'schema', ok: false, detail: message(error) });
    }
  }
  return checks;
}

/**
 * Creates the probes of a node: liveness (is the process's loop turning?) and readiness (can it
 * do its work now?). A database outage fails readiness, never liveness, so an orchestrator
 * does not restart nodes that would only wait for the database again.
 *
 * @param options - the node, its datastore and the thresholds
 */
export function createHealth(options: HealthOptions): Health {
  const loopStaleMs = options.loopStaleMs ?? 180_000;
  const maxOffsetMs = options.maxClockOffsetMs ?? 10_000;
  const timeoutMs = options.databaseTimeoutMs ?? 2_000;
  const { node } = options;
  return {
    liveness() {
      const since = node.msSinceLoopTurn;
      const ok = !node.isRunning || since === null || since <= loopStaleMs;
      const detail =
        since === null
          ? 'the loop has not started'
          : `the loop turned ${Math.round(since)} ms ago (limit ${loopStaleMs} ms)`;
      return report([{ name: 'loop', ok, detail }]);
    },
    async readiness() {
      const checks: HealthCheck[] = [
        {
          name: 'running',
          ok: node.isRunning,
          detail: node.isRunning ? 'the node runs' : 'the node is not running (starting or stopping)',
        },
      ];
      checks.push(...(await databaseChecks(options.datastore, options.schemaProblem, timeoutMs)));
      const offset = node.clockOffset;
      checks.push({
        name: 'clock',
        ok: Math.abs(offset) <= maxOffsetMs,
        detail: `offset ${offset} ms from the database clock (limit ±${maxOffsetMs} ms)`,
      });
      return report(checks);
    },
  };
}
