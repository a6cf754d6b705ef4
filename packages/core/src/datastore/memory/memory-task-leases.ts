import { jobTask } from '../../model/job-task.js';
import { isTerminalTaskState, type Task } from '../../model/task.js';
import type {
  LeaseHorizon,
  RepairedTask,
  TaskClaimDueParams,
  TaskEnqueueParams,
  EnqueuedTask,
  TaskClaimDueResult,
  TaskFinishAndClaimParams,
  TaskFinishAndClaimResult,
  TaskFinishManyParams,
  TaskFinishParams,
  TaskRenewLeasesParams,
  TaskRenewLeasesResult,
  TaskRepairExpiredParams,
} from '../datastore.js';
import { advanceRateWindow, pickWithinRates, rateAllowance } from '../rate-window.js';
import {
  MISSED_DEADLINE_REASON,
  queueWaitReason,
  repairReason,
  replaceCancelReason,
  replaceWaitReason,
  skipBusyReason,
  skipQueueFullReason,
  skipSupersededReason,
} from '../ledger-reasons.js';
import { MemorySchedules } from './memory-schedules.js';
import { clone, type SlotHolder } from './memory-state.js';

/** The task methods of the in-memory datastore that enqueue, claim, renew, finish and repair. */
export abstract class MemoryTaskLeases extends MemorySchedules {
  /** {@inheritDoc Datastore.taskEnqueue} */
  async taskEnqueue(params: TaskEnqueueParams): Promise<EnqueuedTask[]> {
    const now = this.now(params);
    return params.jobs.map((job) => {
      const holder = job.key === null ? undefined : this.tasks.get(this.jobKeys.get(job.key) ?? '');
      if (holder && !isTerminalTaskState(holder.state)) return { task: clone(holder), created: false };
      // A lock holder answers until it is deleted: a lock whose task is gone is free.
      const lockHolder = job.keyLock === null ? undefined : this.tasks.get(this.keyLocks.get(job.keyLock) ?? '');
      if (lockHolder) return { task: clone(lockHolder), created: false };
      const task = jobTask(job, now);
      this.tasks.set(task.id, task);
      if (job.key !== null) this.jobKeys.set(job.key, task.id);
      if (job.keyLock !== null) this.keyLocks.set(job.keyLock, task.id);
      this.record(task, null, now, null);
      return { task: clone(task), created: true };
    });
  }

  /** Settles a pending task without running it (missed, skipped), recording why. */
  private settlePending(t: Task, state: 'missed' | 'skipped', reason: string, now: number, nodeId: string): Task {
    t.state = state;
    t.reason = reason;
    t.endedAt = now;
    t.updatedAt = now;
    this.record(t, 'pending', now, nodeId);
    this.ungate(t, now, 'end');
    return clone(t);
  }

  /**
   * Who holds `t`'s run slot: `free` (nobody, `t` itself, or an expired holder repair has taken
   * back), `awaiting-repair` (an expired holder still running: its fence is still current), or
   * the live holder.
   */
  private slotHolder(t: Task, now: number): 'free' | 'awaiting-repair' | SlotHolder {
    const holder = this.slots.get(t.scheduleId);
    if (!holder || holder.taskId === t.id) return 'free';
    if (holder.expiresAt > now) return holder;
    return this.tasks.get(holder.taskId)?.state === 'running' ? 'awaiting-repair' : 'free';
  }

  /** {@inheritDoc Datastore.taskClaimDue} */
  async taskClaimDue(params: TaskClaimDueParams): Promise<TaskClaimDueResult> {
    const now = this.now(params);
    const settled: Task[] = [];
    const started: Task[] = [];
    const pending = [...this.tasks.values()].filter((t) => t.state === 'pending' && t.dueAt <= now);
    for (const t of pending) {
      if (t.deadlineAt !== null && t.deadlineAt < now) {
        settled.push(this.settlePending(t, 'missed', MISSED_DEADLINE_REASON, now, params.nodeId));
      }
    }
    const ordered = pending
      .filter((t) => t.state === 'pending' && params.executors.includes(t.executor))
      .sort((a, b) => b.policies.priority - a.policies.priority || a.dueAt - b.dueAt);
    const candidates = this.takeWithinRates(ordered, params.limit, now);
    // `replace`: only the newest (latest fire time) candidate of a schedule in this batch runs; older ones are skipped.
    const newestReplace = new Map<string | null, Task>();
    for (const t of candidates) {
      const seen = newestReplace.get(t.scheduleId);
      if (t.policies.duplicate === 'replace' && (seen === undefined || t.fireAt >= seen.fireAt))
        newestReplace.set(t.scheduleId, t);
    }
    for (const t of candidates) {
      const duplicate = t.policies.duplicate;
      if (duplicate === 'replace') {
        const newer = newestReplace.get(t.scheduleId)?.id;
        if (newer !== t.id) {
          settled.push(this.settlePending(t, 'skipped', skipSupersededReason(newer ?? '?'), now, params.nodeId));
          continue;
        }
        const holder = this.slotHolder(t, now);
        if (holder !== 'free') {
          // The running holder is asked to cancel; the new task waits for it to end.
          const running = this.tasks.get(this.slots.get(t.scheduleId)?.taskId ?? '');
          if (running?.state === 'running' && !running.cancelRequested) {
            running.cancelRequested = true;
            running.reason = replaceCancelReason(t.id);
            running.updatedAt = now;
          }
          // An expired holder still running awaits repair: the task stays due until then.
          if (holder !== 'awaiting-repair') {
            t.dueAt = Math.max(holder.expiresAt, now + 1);
            t.reason = replaceWaitReason(holder.taskId);
            t.updatedAt = now;
          }
          continue;
        }
      } else if (duplicate === 'skip' || duplicate === 'queue') {
        const holder = this.slotHolder(t, now);
        // An expired holder still running waits for repair to supersede its fence.
        if (holder === 'awaiting-repair') continue;
        if (holder !== 'free' && duplicate === 'skip') {
          settled.push(this.settlePending(t, 'skipped', skipBusyReason(holder.taskId), now, params.nodeId));
          continue;
        }
        if (holder !== 'free') {
          // At most one waiting: an older never-started pending task of the schedule is it.
          const waiting = [...this.tasks.values()].find(
            (w) =>
              w.scheduleId === t.scheduleId &&
              w.id !== t.id &&
              w.state === 'pending' &&
              w.attempt === 0 &&
              w.fireAt < t.fireAt,
          );
          if (waiting) {
            settled.push(
              this.settlePending(t, 'skipped', skipQueueFullReason(waiting.id, holder.taskId), now, params.nodeId),
            );
          } else {
            t.dueAt = Math.max(holder.expiresAt, now + 1);
            t.reason = queueWaitReason(holder.taskId);
            t.updatedAt = now;
          }
          continue;
        }
      }
      if (duplicate === 'replace' || duplicate === 'skip' || duplicate === 'queue') {
        this.slots.set(t.scheduleId, { taskId: t.id, expiresAt: now + params.leaseMs });
      }
      t.state = 'running';
      t.fence += 1;
      t.attempt += 1;
      t.leaseOwner = params.owner;
      t.leaseExpiresAt = now + params.leaseMs;
      t.nodeId = params.nodeId;
      t.startedAt = now;
      t.endedAt = null;
      t.reason = null;
      t.updatedAt = now;
      this.record(t, 'pending', now, params.nodeId);
      this.ungate(t, now, 'start');
      started.push(clone(t));
    }
    return { started, settled };
  }

  /** Candidates within the cluster-wide rate limits, which count them. */
  private takeWithinRates(ordered: Task[], limit: number, now: number): Task[] {
    const picked = pickWithinRates(
      ordered,
      (t) => t.executor,
      limit,
      (e) => {
        const w = this.rateLimits.get(e);
        return w && rateAllowance(w, now);
      },
    );
    for (const t of picked) {
      const w = this.rateLimits.get(t.executor);
      if (w) this.rateLimits.set(t.executor, { ...w, ...advanceRateWindow(w, now, 1) });
    }
    return picked;
  }

  /** `t` is running under the lease of `owner` with `fence`, unexpired at `now`. */
  protected holds(t: Task | undefined, owner: string, fence: number, now: number): t is Task {
    return !!t && t.state === 'running' && t.leaseOwner === owner && t.fence === fence && (t.leaseExpiresAt ?? 0) > now;
  }

  /** {@inheritDoc Datastore.taskRenewLeases} */
  async taskRenewLeases(params: TaskRenewLeasesParams): Promise<TaskRenewLeasesResult> {
    const now = this.now(params);
    const expiresAt = now + params.leaseMs;
    const result: TaskRenewLeasesResult = {
      renewed: [],
      lost: [],
      cancelRequested: [],
      executionReports: [],
      expiresAt,
    };
    for (const lease of params.leases) {
      const t = this.tasks.get(lease.taskId);
      if (!this.holds(t, params.owner, lease.fence, now)) {
        result.lost.push(lease.taskId);
        continue;
      }
      t.leaseExpiresAt = expiresAt;
      t.updatedAt = now;
      const slot = this.slots.get(t.scheduleId);
      if (slot?.taskId === t.id) slot.expiresAt = expiresAt;
      result.renewed.push(t.id);
      if (t.cancelRequested) result.cancelRequested.push(t.id);
      const report = this.reports.get(t.id);
      if (report) result.executionReports.push(clone(report));
    }
    return result;
  }

  /** {@inheritDoc Datastore.taskFinishMany} */
  async taskFinishMany(params: TaskFinishManyParams): Promise<(Task | undefined)[]> {
    const now = this.now(params);
    const tasks: (Task | undefined)[] = [];
    for (const finish of params.finishes) tasks.push(this.taskFinishOne(finish, now));
    return tasks;
  }

  /** {@inheritDoc Datastore.taskFinishAndClaim} */
  async taskFinishAndClaim(params: TaskFinishAndClaimParams): Promise<TaskFinishAndClaimResult> {
    const now = this.now(params);
    const finished = await this.taskFinishMany({ finishes: params.finishes, now });
    const claimed = await this.taskClaimDue({ ...params.claim, now });
    return { finished, claimed };
  }

  /** One commit of {@link MemoryDatastore.taskFinishMany}, judged at `now`. */
  private taskFinishOne(params: TaskFinishParams, now: number): Task | undefined {
    const t = this.tasks.get(params.taskId);
    if (!this.holds(t, params.owner, params.fence, now)) return undefined;
    const o = params.outcome;
    t.state = o.state;
    t.reason = o.reason;
    t.leaseOwner = null;
    t.leaseExpiresAt = null;
    t.endedAt = now;
    t.updatedAt = now;
    if (o.state === 'completed') t.result = o.result;
    if (o.state === 'failed') t.error = o.error;
    if (o.state === 'cancelled') t.error = o.error;
    this.reports.delete(t.id);
    if (o.state === 'pending') {
      t.executionId = null;
      t.dueAt = o.dueAt;
      t.error = o.error;
      if (o.countFailure) t.failures += 1;
    } else if (o.state === 'failed') {
      t.failures += 1;
    }
    this.releaseSlot(t, now);
    this.record(t, 'running', now, params.nodeId);
    if (isTerminalTaskState(t.state)) this.ungate(t, now, 'end');
    return clone(t);
  }

  /** {@inheritDoc Datastore.taskRepairExpired} */
  async taskRepairExpired(params: TaskRepairExpiredParams): Promise<RepairedTask[]> {
    const now = this.now(params);
    const expired = [...this.tasks.values()]
      .filter(
        (t) => t.state === 'running' && t.executionId === null && t.leaseExpiresAt !== null && t.leaseExpiresAt <= now,
      )
      .slice(0, params.limit);
    return expired.map((t) => {
      const previousOwner = t.leaseOwner;
      t.fence += 1;
      t.repairs += 1;
      t.state = t.cancelRequested
        ? 'cancelled'
        : t.policies.delivery === 'at-most-once'
          ? 'abandoned'
          : t.repairs >= params.maxRepairs
            ? 'failed'
            : 'pending';
      t.reason = repairReason(t.state, previousOwner, t.repairs, t.state === 'cancelled' ? t.reason : null);
      if (t.state === 'pending') t.dueAt = now;
      t.endedAt = now;
      t.leaseOwner = null;
      t.leaseExpiresAt = null;
      t.updatedAt = now;
      this.releaseSlot(t, now);
      // The event concerns the attempt whose lease expired: its fence, not the new one.
      this.record(t, 'running', now, params.nodeId, t.fence - 1);
      if (t.state !== 'pending') this.ungate(t, now, 'end');
      return { task: clone(t), previousOwner };
    });
  }

  /** {@inheritDoc Datastore.taskLeaseHorizon} */
  async taskLeaseHorizon(): Promise<LeaseHorizon> {
    const now = this.now();
    let nextExpiryAt: number | null = null;
    let repairable = false;
    for (const t of this.tasks.values()) {
      if (t.state !== 'running') continue;
      if (t.executionId !== null || t.leaseExpiresAt === null || t.leaseExpiresAt <= now) repairable = true;
      else nextExpiryAt = Math.min(nextExpiryAt ?? t.leaseExpiresAt, t.leaseExpiresAt);
    }
    return { now, nextExpiryAt, repairable };
  }
}
