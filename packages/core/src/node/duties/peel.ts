import { SPAN_ATTRIBUTES, recordSpan } from '../../tracing/spans.js';
import type { NodeContext } from '../node-context.js';
import { asError } from '../attempt.js';
import { planPeel } from './peel-plan.js';
import { UnplannableSchedules } from './unplannable-schedules.js';

/**
 * Duty 1 of the protocol, peel: claims a batch of active, ungated schedules whose next fire
 * time falls within the lookahead window (a lease of `peelLeaseMs` with fence + 1); for each,
 * plans the task rows of the fire times due (per misfire policy) and its next fire time; then
 * one transaction writes the whole round, each schedule only while no one else has claimed it
 * since (owner and fence unchanged), and releases the leases. A unique key on (schedule, fire
 * time) makes peeling idempotent. Each peeled task's due time wakes the loop (the due alarm),
 * here and, announced, on the other nodes.
 *
 * The peel lease is short because it only has to cover claim → plan → write: a node that dies
 * in between holds its schedules' fire times back for `peelLeaseMs`, not for the task lease.
 * Its expiry only lets another node claim; the write does not require it, so a peel slowed
 * past it still lands when nobody claimed meanwhile, and a loaded node does not lose every
 * round to its own lease (see `Datastore.schedulePeelMany` for why the fence alone is safe).
 *
 * A schedule this node cannot plan (planning throws: a misfire strategy it lacks, say) is
 * reported to `generalError` once, not on every round: again only when its error changes, or
 * when it fails after this node has peeled it (see {@link UnplannableSchedules}; at most
 * `MAX_REMEMBERED_UNPLANNABLE` schedules are remembered, the one changed longest ago dropped
 * first). The schedule stays with the nodes that can plan it: once the peel lease of this
 * node's claim expires, a node with the strategy claims and peels it (this node may claim it
 * again meanwhile, and writes nothing for it).
 */
export class PeelDuty {
  /** The schedules this node failed to plan, so that each is reported once. */
  private readonly unplannable = new UnplannableSchedules();

  /** @param ctx - the node */
  constructor(private readonly ctx: NodeContext) {}

  /** One peel round. Returns true when work was left behind (a full claim, or a schedule still behind): peel again at once. */
  async run(): Promise<boolean> {
    const { ctx } = this;
    const t = ctx.timings;
    const startedAt = ctx.clock.now();
    // A schedule is claimed once its next fire time is within half the lookahead, and peeled
    // up to the whole lookahead: each peel writes several fire times of a frequent schedule.
    const claimed = await ctx.datastore.scheduleClaimDue({
      owner: ctx.leaseOwner,
      limit: t.peelBatch,
      lookaheadMs: Math.floor(t.lookaheadMs / 2),
      leaseMs: t.peelLeaseMs,
    });
    const [first] = claimed;
    if (first === undefined) return false;
    // Which fire times are misfired is judged by the database clock at the claim, which every
    // claimed schedule carries as its `updatedAt`.
    const now = first.updatedAt;
    const peels = [];
    for (const schedule of claimed) {
      try {
        const plan = planPeel(schedule, {
          now,
          lookaheadMs: t.lookaheadMs,
          strategies: ctx.strategies,
          ids: ctx.ids,
          random: ctx.random,
        });
        peels.push({ scheduleId: schedule.id, owner: ctx.leaseOwner, fence: schedule.fence, nodeId: ctx.id, ...plan });
      } catch (error) {
        // A schedule this node cannot plan (a strategy it lacks) keeps its lease until expiry, then
        // any node may claim it; the others go on. Reported once until its error changes.
        if (this.unplannable.failed(schedule.id, asError(error).message)) ctx.reportError(error, 'peel');
      }
    }
    // One transaction writes the whole round.
    const results = await ctx.datastore.schedulePeelMany({ peels });
    // A schedule still behind after its peel (a backlog cut at MAX_PEEL_BACKLOG) is peeled
    // again at once rather than one poll wait later.
    let behind = false;
    let earliestDue = Infinity;
    for (const [i, result] of results.entries()) {
      const plan = peels[i];
      if (!result.ok || !plan) continue;
      this.unplannable.peeled(plan.scheduleId);
      if (plan.nextFireAt !== null && plan.nextFireAt <= now + t.lookaheadMs / 2) behind = true;
      for (const task of result.created) {
        ctx.events.emit('taskCreated', task);
        if (task.state === 'pending') {
          ctx.wakeAt(task.dueAt);
          earliestDue = Math.min(earliestDue, task.dueAt);
        }
      }
    }
    recordSpan('rookery.peel', startedAt, {
      [SPAN_ATTRIBUTES.nodeId]: ctx.id,
      [SPAN_ATTRIBUTES.count]: claimed.length,
    });
    // Other nodes wake for the earliest due time too, so that whichever node is free claims it.
    if (earliestDue < Infinity) ctx.wakeSignals.announce(earliestDue, 'tasks');
    return behind || claimed.length >= t.peelBatch;
  }
}
