import type { Timer } from '../../strategies/timers.js';
import type { NodeContext } from '../node-context.js';
import { silentAttempts, type CancelWatch } from './cancel-watch.js';
import { TrustAlarm } from './trust-alarm.js';

/**
 * Duty 3 of the protocol, keep: renews every lease the node holds in one statement, well
 * before the leases expire (every `renewEveryMs`, and soon after an executor's `heartbeat()`).
 * A renewal that no longer matches means the lease is lost: the attempt is aborted and its
 * outcome never committed. A local trust window (renewal sent + lease − margin, on the
 * monotonic clock) aborts an attempt whose lease could not be renewed in time, before another
 * node may take it; an attempt whose executor fell silent for the heartbeat timeout is
 * aborted and failed. Renewals also bring cancel requests and reported external outcomes.
 */
export class KeepDuty {
  private readonly trustAlarm: TrustAlarm;
  private renewSoon: Timer | null = null;

  /**
   * @param ctx - the node
   * @param cancels - the cancel check a renewal that reports cancel requests runs
   */
  constructor(
    private readonly ctx: NodeContext,
    private readonly cancels: CancelWatch,
  ) {
    this.trustAlarm = new TrustAlarm(ctx, () => void ctx.guard('keep', async () => this.enforceTrust()));
  }

  /** Renews the node's leases soon (an attempt's `heartbeat()`); requests before it runs share one renewal. */
  requestRenewal(): void {
    if (this.renewSoon) return;
    this.renewSoon = this.ctx.timers.setTimeout(() => {
      this.renewSoon = null;
      void this.ctx.guard('keep', () => this.renew());
    }, 0);
  }

  /** Renews the leases of the running attempts that still hold one, and acts on what the renewal reports. */
  async renew(): Promise<void> {
    const { ctx } = this;
    const attempts = [...ctx.attempts.values()].filter((a) => !a.leaseLost);
    if (attempts.length === 0) return;
    const sentAt = ctx.clock.monotonic();
    const result = await ctx.datastore.taskRenewLeases({
      owner: ctx.leaseOwner,
      leases: attempts.map((a) => ({ taskId: a.task.id, fence: a.task.fence })),
      leaseMs: ctx.timings.leaseMs,
    });
    const trustUntil = sentAt + ctx.timings.leaseMs - ctx.timings.trustMarginMs;
    for (const id of result.renewed) {
      const a = ctx.attempts.get(id);
      if (a) a.trustUntil = Math.max(a.trustUntil, trustUntil - a.abortGraceMs);
    }
    for (const id of result.lost) {
      const a = ctx.attempts.get(id);
      if (a) ctx.attempts.lose(a);
    }
    // A cancel request seen on renewal is acted on by the cancel check, which reads its reason.
    if (result.cancelRequested.length > 0) await this.cancels.check();
    for (const report of result.executionReports) {
      const attempt = ctx.attempts.get(report.taskId);
      if (attempt?.task.executionId === report.executionId) ctx.externalWaits.report(report.executionId, report.status);
    }
    this.trustAlarm.arm();
  }

  /**
   * The local trust window: an attempt whose lease could not be renewed in time is aborted
   * before another node may take it. And the dead-task canceller: an attempt whose executor
   * stopped heart-beating for the heartbeat timeout is aborted, and failed.
   */
  enforceTrust(): void {
    const { ctx } = this;
    const now = ctx.clock.monotonic();
    for (const a of ctx.attempts.values()) {
      if (!a.leaseLost && now > a.trustUntil) ctx.attempts.loseTrust(a);
    }
    const timeout = ctx.timings.heartbeatTimeoutMs;
    if (timeout !== null)
      for (const a of silentAttempts(ctx.attempts.values(), now, timeout)) ctx.attempts.abort(a, 'heartbeat-timeout');
    this.trustAlarm.arm();
  }

  /** Watches the trust windows of attempts just started: the alarm is set at the earliest end. */
  watchTrust(): void {
    this.trustAlarm.arm();
  }

  /** Cancels the pending renewal and the trust alarm (the node is stopping). */
  stop(): void {
    this.renewSoon?.cancel();
    this.renewSoon = null;
    this.trustAlarm.clear();
  }
}
