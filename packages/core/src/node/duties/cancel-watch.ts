import type { Attempt } from '../attempt.js';
import type { NodeContext } from '../node-context.js';

/**
 * The quick path from a cancel request to the node running the task (part of the keep duty).
 * Renewals (every lease/3) also report cancel requests; this check runs on the node's poll (at
 * most once per shortest poll wait) and at once when a `taskCancelRequested` message arrives,
 * with one read by primary key of the tasks whose execution still runs here (one whose execution ended
 * has its outcome, its commit on the way). The database is the truth: a message only makes the check sooner.
 */
export class CancelWatch {
  private lastAt = -Infinity;
  private checking: Promise<void> | null = null;
  private again = false;
  /** Least time between two checks made on the poll. */
  private readonly everyMs: number;

  /** @param ctx - the node's running attempts, datastore and clock */
  constructor(private readonly ctx: NodeContext) {
    this.everyMs = Math.min(...ctx.timings.pollWaitsMs);
  }

  /** The check on the poll: skipped when the last one is younger than the shortest poll wait. */
  async poll(): Promise<void> {
    if (this.ctx.clock.monotonic() - this.lastAt < this.everyMs) return;
    await this.check();
  }

  /** Checks now; while a check is under way, one more follows it (it may have read too early). */
  check(): Promise<void> {
    if (this.checking) this.again = true;
    else this.checking = this.checkUntilQuiet().finally(() => (this.checking = null));
    return this.checking;
  }

  private async checkUntilQuiet(): Promise<void> {
    do {
      this.again = false;
      await this.checkOnce();
    } while (this.again);
  }

  private async checkOnce(): Promise<void> {
    this.lastAt = this.ctx.clock.monotonic();
    const attempts = new Map<string, Attempt>();
    // An attempt whose execution ended has its outcome: its commit is on its way.
    for (const a of this.ctx.attempts.values())
      if (a.abortCause === null && !a.executionEnded) attempts.set(a.task.id, a);
    if (attempts.size === 0) return;
    const requests = await this.ctx.datastore.taskCancelRequests({
      owner: this.ctx.leaseOwner,
      taskIds: [...attempts.keys()],
    });
    for (const r of requests) {
      const a = attempts.get(r.taskId);
      if (a) this.ctx.attempts.abort(a, 'cancel', r.reason);
    }
  }
}

/**
 * The dead-task canceller's test: attempts whose executor heart-beat at least once and then
 * fell silent for longer than `timeoutMs` (monotonic `now`). Pure.
 */
export function silentAttempts(attempts: Iterable<Attempt>, now: number, timeoutMs: number): Attempt[] {
  return [...attempts].filter(
    (a) => a.abortCause === null && a.lastHeartbeatAt !== null && now - a.lastHeartbeatAt > timeoutMs,
  );
}
