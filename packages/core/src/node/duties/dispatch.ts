import { SPAN_ATTRIBUTES, recordSpan, taskAttributes } from '../../tracing/spans.js';
import type { TaskClaimDueParams, TaskClaimDueResult } from '../../datastore/datastore.js';
import { mayReleaseGate } from '../../model/task-policies.js';
import type { AttemptRunner } from '../attempt-runner.js';
import type { CarriedCommits, FinishBatcher } from '../finish-batcher.js';
import type { NodeContext } from '../node-context.js';
import type { KeepDuty } from './keep.js';

/**
 * Duty 2 of the protocol, dispatch: claims due pending tasks, no more than the free worker
 * slots, each with a lease (owner, expiry, fence + 1, attempt + 1), and hands them to their
 * executors. A task the claim settled instead (skipped by duplicate policy `skip`, or missed)
 * is announced as `taskSkipped`. The commits waiting for a claim to carry them go with the
 * first claim of the round (`Datastore.taskFinishAndClaim`), or alone when nothing is claimed.
 */
export class DispatchDuty {
  /**
   * Until when (monotonic) a nudge leaves the loop asleep: `claimPaceMs` after a round whose
   * claims took all that was due. A round that came back full sets none (more may be due), nor
   * one that claimed nothing for want of a free slot.
   */
  pacedUntil = 0;
  /**
   * When (monotonic) a round last started or settled a task, or claimed nothing for want of a
   * free slot (the node was busy). A round the node's own alarm set off that found only tasks
   * due at its own due times (tasks it peeled or retried itself, see `NodeContext.isOwnDueTime`)
   * does not count: it says nothing of work others wrote.
   */
  foundWorkAt = 0;
  /**
   * The last round was held back by the free worker slots: a claim came back full, or an
   * executor had no free slot to claim for. A slot coming free then calls for a claim.
   */
  slotsWanted = false;

  /**
   * @param ctx - the node
   * @param runner - runs the claimed attempts
   * @param keep - watches the trust windows of the attempts started
   * @param finishes - the node's commits, some waiting for a claim to carry them
   */
  constructor(
    private readonly ctx: NodeContext,
    private readonly runner: AttemptRunner,
    private readonly keep: KeepDuty,
    private readonly finishes: FinishBatcher,
  ) {}

  /**
   * Claims no more tasks than there are free slots, per executor too: executors without a
   * limit of their own share one claim; each limited executor is claimed on its own, up to its
   * free slots. Returns true when a claim came back full (more may be due).
   *
   * @param forOwnAlarm - the node's own alarm set the round off (see {@link DispatchDuty.foundWorkAt})
   */
  async run(forOwnAlarm = false): Promise<boolean> {
    const { ctx } = this;
    const { pool } = ctx;
    const names = [...ctx.executors.keys()];
    const shared = names.filter((name) => pool.free(name) >= pool.freeTotal());
    const groups = [shared, ...names.filter((name) => !shared.includes(name)).map((name) => [name])];
    let full = false;
    let claimed = false;
    let found = false;
    let heldBack = false;
    const roundAt = ctx.clock.monotonic();
    let carried = this.finishes.take();
    for (const group of groups) {
      const limit = Math.min(pool.freeTotal(), ...group.map((name) => pool.free(name)));
      if (group.length === 0) continue;
      if (limit <= 0) {
        heldBack = true;
        continue;
      }
      const claimedAt = ctx.clock.monotonic();
      const claimStartedAt = ctx.clock.now();
      const claim = { owner: ctx.leaseOwner, nodeId: ctx.id, limit, leaseMs: ctx.timings.leaseMs, executors: group };
      const { started, settled } = carried
        ? await this.finishAndClaim(carried, claim)
        : await ctx.datastore.taskClaimDue(claim);
      carried = null;
      claimed = true;
      const [only, ...more] = [...started, ...settled];
      if (only)
        recordSpan('rookery.claim', claimStartedAt, {
          [SPAN_ATTRIBUTES.nodeId]: ctx.id,
          [SPAN_ATTRIBUTES.count]: more.length + 1,
          ...(more.length === 0 ? taskAttributes(only) : {}),
        });
      // Settled instead of started: skipped or missed.
      for (const task of settled) ctx.events.emit('taskSkipped', task);
      for (const task of started) this.runner.start(task, ctx.executors.get(task.executor), claimedAt);
      if (started.length > 0) this.keep.watchTrust();
      // A schedule's gate released by this claim: its next fire time is peeled at once.
      if (started.some((t) => mayReleaseGate(t, 'start')) || settled.some((t) => mayReleaseGate(t, 'end')))
        ctx.peelSoon();
      pool.claimed?.(limit, started.length);
      full ||= started.length >= limit;
      const got = [...started, ...settled];
      found ||= forOwnAlarm ? got.some((t) => !ctx.isOwnDueTime(t.dueAt)) : got.length > 0;
    }
    if (carried) await this.finishes.commit(carried);
    // A round that claimed nothing (no free slot) sets no pace: a slot coming free claims at once.
    this.pacedUntil = claimed && !full ? roundAt + ctx.timings.claimPaceMs : 0;
    if (found || !claimed) this.foundWorkAt = roundAt;
    this.slotsWanted = full || heldBack;
    return full;
  }

  /**
   * Commits the carried commits and claims, in one call where the store can. A call that fails
   * fails its commits, whose callers report the error and try again alone; it claimed nothing
   * this node knows of (a claim applied before the connection failed is repaired once its
   * lease expires, as after any failed claim).
   */
  private async finishAndClaim(carried: CarriedCommits, claim: TaskClaimDueParams): Promise<TaskClaimDueResult> {
    const { datastore } = this.ctx;
    if (!datastore.taskFinishAndClaim) {
      await this.finishes.commit(carried);
      return datastore.taskClaimDue(claim);
    }
    try {
      const { finished, claimed } = await datastore.taskFinishAndClaim({ finishes: carried.finishes, claim });
      carried.settle(finished);
      return claimed;
    } catch (error) {
      carried.fail(error);
      return { started: [], settled: [] };
    }
  }
}
