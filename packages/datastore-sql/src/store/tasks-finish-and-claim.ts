import type { Task, TaskFinishAndClaimParams, TaskFinishAndClaimResult } from '@rookery/core';
import type { SqlContext } from './sql-context.js';
import { claimIn, claimInTransaction, taskClaimDue } from './tasks-claim.js';
import { finishIn, finishInTransaction, firstCommits, taskFinishMany } from './tasks-finish.js';

/**
 * Commits attempts' outcomes and claims due tasks in one go (see `Datastore.taskFinishAndClaim`).
 * Where the dialect has fast paths, one statement does the common case of both; what it leaves
 * (a run slot to release, a commit that no longer holds, a candidate that needs a run slot or
 * a rate limit) takes the general finish and claim, as each alone would. Elsewhere the general
 * finish and claim share one transaction.
 */
export async function taskFinishAndClaim(
  ctx: SqlContext,
  p: TaskFinishAndClaimParams,
): Promise<TaskFinishAndClaimResult> {
  const { firsts, answer } = firstCommits(p.finishes);
  const claim = { ...p.claim, now: p.now };
  if (firsts.length === 0 || claim.limit <= 0)
    return { finished: await taskFinishMany(ctx, p), claimed: await taskClaimDue(ctx, claim) };
  const fast = ctx.dialect.fastPaths;
  if (fast) {
    const first = await fast.finishAndClaim(ctx, { ...p, finishes: firsts });
    const written = new Map(first.finished);
    const rest = firsts.filter((f) => !written.has(f.taskId));
    if (rest.length > 0) for (const t of await finishInTransaction(ctx, rest, p.now)) written.set(t.id, t);
    const { started, missed, leftOver } = first.claimed;
    if (leftOver <= 0 || started.length >= claim.limit)
      return { finished: answer(written), claimed: { started, settled: missed } };
    const more = await claimInTransaction(ctx, { ...claim, limit: claim.limit - started.length });
    return {
      finished: answer(written),
      claimed: { started: [...started, ...more.started], settled: [...missed, ...more.settled] },
    };
  }
  return ctx.transaction(`finish ${firsts.length} task(s) and claim due tasks`, async (tx) => {
    const now = await ctx.now(p.now, tx);
    const written = new Map<string, Task>((await finishIn(ctx, tx, firsts, now)).map((t) => [t.id, t]));
    const claimed = await claimIn(ctx, tx, claim, now);
    return { finished: answer(written), claimed };
  });
}
