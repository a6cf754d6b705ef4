import type { LeaseHorizon, RepairedTask } from '../../datastore/datastore.js';
import { isTerminalTaskState } from '../../model/task.js';
import { mayReleaseGate } from '../../model/task-policies.js';
import type { AttemptRunner } from '../attempt-runner.js';
import type { NodeContext } from '../node-context.js';
import { repairWaitMs } from '../repair-wait.js';
import { pruneOnce, type RetentionOptions } from '../retention.js';
import type { KeepDuty } from './keep.js';

/** Most expired tasks one repair pass takes back. */
const REPAIR_BATCH = 100;

/** Most repair passes in a row, while each finds something (see {@link RepairDuty.repairExpired}). */
const MAX_REPAIR_PASSES = 5;

/** Most tasks one adoption takes. */
const ADOPT_BATCH = 100;

/**
 * Duty 5 of the protocol, repair: first adopts the running tasks of the node's executors whose
 * lease expired while their external execution went on (a fresh lease and fence, and the
 * executor is asked for the outcome instead of a second execution starting), then takes back
 * the other running tasks whose lease expired, by the database clock, deciding from each
 * task's delivery and repair count whether it is retried, abandoned or failed; then reads when
 * the next lease can expire, and waits until then (see {@link repairWaitMs}). Besides, the
 * retention pass: tasks nobody can run are failed, and old history and node records deleted.
 */
export class RepairDuty {
  /** What the last round read of the running tasks' leases; undefined when it could not read. */
  private horizon: LeaseHorizon | undefined;

  /**
   * @param ctx - the node
   * @param runner - runs the adopted attempts
   * @param keep - watches the trust windows of the attempts adopted
   * @param retention - what the retention pass keeps
   */
  constructor(
    private readonly ctx: NodeContext,
    private readonly runner: AttemptRunner,
    private readonly keep: KeepDuty,
    private readonly retention: RetentionOptions,
  ) {}

  /**
   * One repair round: adoption (its error reported, the repair goes on), then
   * {@link RepairDuty.repairExpired}, then the read of when the next lease can expire.
   */
  async run(): Promise<void> {
    this.horizon = undefined;
    await this.ctx.guard('repair', () => this.adopt());
    await this.repairExpired();
    this.horizon = await this.ctx.datastore.taskLeaseHorizon();
  }

  /** How long to wait before the next round (see {@link repairWaitMs}). */
  waitMs(): number {
    return repairWaitMs(this.horizon, this.ctx.timings);
  }

  /** Takes back the running tasks whose lease expired (see `Datastore.taskRepairExpired`), in passes while each finds some. */
  async repairExpired(): Promise<void> {
    const { ctx } = this;
    ctx.events.emit('repairStarted', ctx.id);
    const repaired: RepairedTask[] = [];
    // A pass that repaired something is followed by another at once: its claim skips rows
    // another transaction holds at that instant (another node's repair scanning past them, a
    // commit on its way), and a skipped task would otherwise wait a whole repair interval more
    // (measured on MariaDB: one task of twenty a dead node held, 1-3 s late).
    for (let pass = 0; pass < MAX_REPAIR_PASSES; pass += 1) {
      const found = await ctx.datastore.taskRepairExpired({
        nodeId: ctx.id,
        limit: REPAIR_BATCH,
        maxRepairs: ctx.timings.maxRepairs,
      });
      repaired.push(...found);
      if (found.length > 0) ctx.wake();
      if (found.some((r) => isTerminalTaskState(r.task.state) && mayReleaseGate(r.task, 'end'))) ctx.peelSoon();
      if (found.length === 0) break;
    }
    ctx.events.emit(
      'repairFinished',
      ctx.id,
      repaired.map((r) => r.task),
    );
  }

  /** Retention: fails tasks nobody can run, deletes old finished tasks, done schedules and long-gone node records (see {@link pruneOnce}). */
  async prune(): Promise<void> {
    const { ctx } = this;
    const pruned = await pruneOnce(ctx.datastore, this.retention, ctx.id);
    for (const task of pruned.unresolved) ctx.events.emit('taskFailed', task, task.error ?? task.reason ?? '');
    if (pruned.unresolved.some((task) => mayReleaseGate(task, 'end'))) ctx.peelSoon();
    if (pruned.tasks > 0 || pruned.nodes > 0 || pruned.schedules > 0)
      ctx.events.emit('historyPruned', pruned.tasks, pruned.nodes, pruned.schedules);
  }

  /**
   * Adopts tasks whose node lost its lease while their external execution went on: under a
   * new lease and fence, this node asks the executor for the execution's outcome (or takes a
   * stored report) instead of starting a second execution.
   */
  private async adopt(): Promise<void> {
    const { ctx } = this;
    const claimedAt = ctx.clock.monotonic();
    const adopted = await ctx.datastore.taskAdoptExpired({
      owner: ctx.leaseOwner,
      nodeId: ctx.id,
      executors: [...ctx.executors.keys()],
      limit: ADOPT_BATCH,
      leaseMs: ctx.timings.leaseMs,
    });
    for (const a of adopted)
      this.runner.start(a.task, ctx.executors.get(a.task.executor), claimedAt, { report: a.report });
    if (adopted.length > 0) this.keep.watchTrust();
  }
}
