import { DuplicateKeyError, type Schedule, type ScheduleUpdateParams } from '@rookery/core';
import { nameKey, toJsonText } from './row-mapping.js';
import { gateRelease } from './schedules.js';
import type { SqlContext } from './sql-context.js';
import { planUntakenFireTime, withdrawPlannedTasks } from './schedules-withdraw.js';

/**
 * Replaces an active or paused schedule's definition and next fire time, and withdraws the
 * tasks peeled ahead under the old definition that have not started ({@link withdrawPlannedTasks}),
 * in one transaction. The schedule row is updated first (conditional on its state; fence + 1,
 * lease cleared), which waits for a peel under way to commit, so the tasks that peel wrote are
 * seen and withdrawn. A next fire time that still has a task moves on to the first that has
 * none. A name taken by another schedule is a DuplicateKeyError on `name`.
 */
export async function scheduleUpdate(ctx: SqlContext, p: ScheduleUpdateParams): Promise<Schedule | undefined> {
  const d = p.definition;
  const name = d.name.normalize('NFC');
  try {
    return await ctx.transaction('update schedule', async (tx) => {
      const now = await ctx.now(p.now, tx);
      const changed = await ctx.write(
        'UPDATE rookery_schedules SET name = :name, name_key = :nameKey, executor = :executor, payload = :payload,' +
          ' trigger_json = :trigger, start_at = :startAt, end_at = :endAt, policies = :policies, duplicate_policy = :duplicate,' +
          ' after_run_delay_ms = :afterRunDelay, next_fire_at = :nextFireAt, fence = fence + 1, lease_owner = NULL,' +
          " lease_expires_at = NULL, version = version + 1, updated_at = :now WHERE id = :id AND state IN ('active', 'paused')",
        {
          id: p.id,
          name,
          nameKey: nameKey(name),
          executor: d.executor,
          payload: toJsonText(d.payload),
          trigger: toJsonText(d.trigger),
          startAt: d.startAt,
          endAt: d.endAt,
          policies: toJsonText(d.policies),
          duplicate: d.policies.duplicate,
          afterRunDelay: d.trigger.kind === 'after-run' ? d.trigger.delayMs : null,
          nextFireAt: p.nextFireAt,
          now,
        },
        tx,
      );
      if (changed === 0) return undefined;
      await withdrawPlannedTasks(ctx, tx, p.id, now, 'ahead');
      const updated = await planUntakenFireTime(ctx, tx, p.id);
      // The gate's release event follows the (possibly new) task creation policy.
      if (updated && updated.gateTaskId !== null) {
        await ctx.write(
          'UPDATE rookery_schedules SET gate_release = :release, version = version + 1 WHERE id = :id',
          { id: p.id, release: gateRelease(updated, updated.gateTaskId) },
          tx,
        );
      }
      return updated;
    });
  } catch (error) {
    if (error instanceof DuplicateKeyError && error.field === 'name') {
      throw new DuplicateKeyError(
        'name',
        `a schedule named '${name}' already exists (names compare after NFC normalisation and case folding)`,
        { cause: error.cause },
      );
    }
    throw error;
  }
}
