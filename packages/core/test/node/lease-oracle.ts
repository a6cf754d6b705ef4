import type {
  RepairedTask,
  Task,
  TaskClaimDueResult,
  TaskFinishAndClaimParams,
  TaskFinishAndClaimResult,
  TaskFinishManyParams,
  TaskRenewLeasesResult,
} from '../../src/index.js';

/**
 * Follows every lease from the calls the nodes make and the answers the store gives, and
 * judges each accepted outcome commit on its own: it must come from the newest claim of the
 * task, before that claim's lease expired. This does not trust the store's task events (a
 * store that fences on `state = running` alone, as River's completion does, records the stale
 * commit under the current fence, and the history checker cannot see it).
 */
export class LeaseOracle {
  /** Outcome commits refused. */
  refused = 0;
  /** Accepted commits that broke the fence. */
  readonly violations: string[] = [];
  private readonly leases = new Map<string, { fence: number; expiresAt: number }>();

  /** Notes one call `method(args)` that returned `result` at database time `now`. */
  observe(method: string | symbol, args: unknown[], result: unknown, now: number): void {
    if (method === 'taskClaimDue') {
      this.claimed(result as TaskClaimDueResult);
    } else if (method === 'taskRepairExpired') {
      for (const r of result as RepairedTask[]) this.leases.set(r.task.id, { fence: r.task.fence, expiresAt: 0 });
    } else if (method === 'taskRenewLeases') {
      const renewed = result as TaskRenewLeasesResult;
      for (const id of renewed.renewed) {
        const lease = this.leases.get(id);
        if (lease) lease.expiresAt = renewed.expiresAt;
      }
    } else if (method === 'taskFinishMany') {
      this.finished((args[0] as TaskFinishManyParams).finishes, result as (Task | undefined)[], now);
    } else if (method === 'taskFinishAndClaim') {
      const answer = result as TaskFinishAndClaimResult;
      this.finished((args[0] as TaskFinishAndClaimParams).finishes, answer.finished, now);
      this.claimed(answer.claimed);
    }
  }

  private claimed(result: TaskClaimDueResult): void {
    for (const t of result.started) this.leases.set(t.id, { fence: t.fence, expiresAt: t.leaseExpiresAt ?? 0 });
  }

  private finished(finishes: TaskFinishManyParams['finishes'], answers: (Task | undefined)[], now: number): void {
    for (const [i, params] of finishes.entries()) {
      if (answers[i] === undefined) {
        this.refused += 1;
        continue;
      }
      const lease = this.leases.get(params.taskId);
      if (!lease || lease.fence !== params.fence || lease.expiresAt <= now) {
        this.violations.push(
          `task ${params.taskId}: ${params.outcome.state} committed by ${params.nodeId} with fence ${params.fence} at ${now} ms; newest lease ${JSON.stringify(lease)}`,
        );
      }
      this.leases.delete(params.taskId);
    }
  }
}
