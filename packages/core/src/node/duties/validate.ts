import type { ScheduleVerdict } from '../../datastore/datastore.js';
import { RookeryError } from '../../errors/rookery-error.js';
import { ValidationError } from '../../errors/validation-error.js';
import { firstFireTime } from '../../model/first-fire.js';
import type { Schedule } from '../../model/schedule.js';
import type { NodeContext } from '../node-context.js';

/**
 * `error` as a validation error: a {@link ValidationError}, or one of another copy of
 * `@rookery/core` (an executor package that bundles its own), recognised by its code and field.
 */
function asValidationError(error: unknown): { field: string; message: string } | undefined {
  if (error instanceof ValidationError) return error;
  if (!(error instanceof Error)) return undefined;
  const { code, field } = error as Error & { code?: unknown; field?: unknown };
  return code === 'VALIDATION' && typeof field === 'string' ? { field, message: error.message } : undefined;
}

/**
 * The validate duty, besides the five of the protocol: claims schedules pending validation
 * (submitted with a client id) whose executor the node has, under a lease, so no two nodes
 * validate one at once; runs the executor's `validate` on each payload, and activates the
 * schedule (first fire time as for a new schedule, by the database clock) or rejects it with
 * the `ValidationError`'s field and message. An executor without `validate` accepts every
 * payload. Any other error, or a `validate` that takes longer
 * than half the lease, is reported as `generalError` and the schedule stays pending: its lease
 * expires and a node tries again.
 */
export class ValidateDuty {
  /** @param ctx - the node */
  constructor(private readonly ctx: NodeContext) {}

  /** One round: claim a batch and settle each; returns how many were claimed. */
  async run(): Promise<number> {
    const { ctx } = this;
    if (ctx.executors.size === 0) return 0;
    const claimed = await ctx.datastore.scheduleClaimValidation({
      owner: ctx.leaseOwner,
      executors: [...ctx.executors.keys()],
      limit: ctx.timings.peelBatch,
      leaseMs: ctx.timings.leaseMs,
    });
    await Promise.all(claimed.map((s) => this.settle(s).catch((error: unknown) => ctx.reportError(error, 'validate'))));
    return claimed.length;
  }

  private async settle(schedule: Schedule): Promise<void> {
    const { ctx } = this;
    let verdict: ScheduleVerdict | undefined;
    try {
      await this.check(schedule);
    } catch (error) {
      const invalid = asValidationError(error);
      if (!invalid) throw error;
      verdict = { state: 'rejected', field: invalid.field, reason: invalid.message };
    }
    verdict ??= { state: 'active', nextFireAt: firstFireTime(schedule, await ctx.datastore.clockNow()) };
    const updated = await ctx.datastore.scheduleValidate({
      scheduleId: schedule.id,
      owner: ctx.leaseOwner,
      fence: schedule.fence,
      nodeId: ctx.id,
      verdict,
    });
    // Lease lost (expired, or the schedule deleted): nothing was written, another round decides.
    if (!updated) return;
    if (updated.state === 'active') {
      ctx.events.emit('scheduleValidated', updated);
      ctx.wake();
    } else {
      ctx.events.emit('scheduleRejected', updated);
    }
  }

  /** Runs the executor's `validate`, bounded by half the lease. */
  private async check(schedule: Schedule): Promise<void> {
    const validate = this.ctx.executors.get(schedule.executor)?.validate;
    if (!validate) return;
    const limitMs = Math.floor(this.ctx.timings.leaseMs / 2);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new RookeryError(
              'VALIDATION_TIMEOUT',
              `validating schedule '${schedule.name}' took longer than ${limitMs} ms; it stays pending and is tried again`,
            ),
          ),
        limitMs,
      );
    });
    try {
      await Promise.race([Promise.resolve().then(() => validate(schedule.payload)), late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
