import type { Datastore, ScheduleVerdict } from '../datastore/datastore.js';
import { RookeryError } from '../errors/rookery-error.js';
import { ValidationError } from '../errors/validation-error.js';
import type { EventBus } from '../events/event-bus.js';
import type { Executor } from '../executor/executor.js';
import { firstFireTime } from '../model/first-fire.js';
import type { Schedule } from '../model/schedule.js';

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

/** What the validation duty needs from its node. */
export interface ValidationDutyOptions {
  /** The shared datastore. */
  datastore: Datastore;
  /** The node's bus, for `scheduleValidated` and `scheduleRejected`. */
  events: EventBus;
  /** Node id, recorded as the validator. */
  nodeId: string;
  /** The node's lease owner id. */
  leaseOwner: string;
  /** The node's executors: it validates only schedules of these. */
  executors: ReadonlyMap<string, Executor>;
  /** Lease on a claimed schedule; a `validate` gets half of it. */
  leaseMs: number;
  /** Schedules claimed per round. */
  batch: number;
  /** Reports an unexpected error (the node's `generalError`). */
  reportError: (error: unknown, source: string) => void;
  /** Tells the node that schedules became active (peel soon). */
  wake: () => void;
}

/**
 * The node's validation duty: claims schedules pending validation whose executor the node
 * has (under a lease, so no two nodes validate one at once), runs the executor's `validate` on
 * each payload, and activates the schedule (first fire time as for a new schedule, by the
 * database clock) or rejects it with the `ValidationError`'s field and message. An executor
 * without `validate` accepts every payload. Any other error, or a `validate` that takes longer
 * than half the lease, is reported as `generalError` and the schedule stays pending: its lease
 * expires and a node tries again.
 */
export class ValidationDuty {
  /** @param options - see {@link ValidationDutyOptions} */
  constructor(private readonly options: ValidationDutyOptions) {}

  /** One round: claim a batch and settle each; returns how many were claimed. */
  async run(): Promise<number> {
    const o = this.options;
    if (o.executors.size === 0) return 0;
    const claimed = await o.datastore.scheduleClaimValidation({
      owner: o.leaseOwner,
      executors: [...o.executors.keys()],
      limit: o.batch,
      leaseMs: o.leaseMs,
    });
    await Promise.all(claimed.map((s) => this.settle(s).catch((error: unknown) => o.reportError(error, 'validate'))));
    return claimed.length;
  }

  private async settle(schedule: Schedule): Promise<void> {
    const o = this.options;
    let verdict: ScheduleVerdict | undefined;
    try {
      await this.check(schedule);
    } catch (error) {
      const invalid = asValidationError(error);
      if (!invalid) throw error;
      verdict = { state: 'rejected', field: invalid.field, reason: invalid.message };
    }
    verdict ??= { state: 'active', nextFireAt: firstFireTime(schedule, await o.datastore.clockNow()) };
    const updated = await o.datastore.scheduleValidate({
      scheduleId: schedule.id,
      owner: o.leaseOwner,
      fence: schedule.fence,
      nodeId: o.nodeId,
      verdict,
    });
    // Lease lost (expired, or the schedule deleted): nothing was written, another round decides.
    if (!updated) return;
    if (updated.state === 'active') {
      o.events.emit('scheduleValidated', updated);
      o.wake();
    } else {
      o.events.emit('scheduleRejected', updated);
    }
  }

  /** Runs the executor's `validate`, bounded by half the lease. */
  private async check(schedule: Schedule): Promise<void> {
    const validate = this.options.executors.get(schedule.executor)?.validate;
    if (!validate) return;
    const limitMs = Math.floor(this.options.leaseMs / 2);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new RookeryError('VALIDATION_TIMEOUT', `validating schedule '${schedule.name}' took longer than ${limitMs} ms; it stays pending and is tried again`)),
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
