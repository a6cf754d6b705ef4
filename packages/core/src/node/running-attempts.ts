import { LeaseLostError } from '../errors/lease-lost-error.js';
import { RookeryError } from '../errors/rookery-error.js';
import type { EventBus } from '../events/event-bus.js';
import type { AbortCause, Attempt } from './attempt.js';

/** The reason an aborted attempt's signal carries: a LeaseLostError, or a RookeryError whose code says why. */
function abortReason(
  attempt: Attempt,
  cause: AbortCause,
  detail: string | null,
  heartbeatTimeoutMs: number | null,
): Error {
  const id = attempt.task.id;
  switch (cause) {
    case 'lease-lost':
      return new LeaseLostError(id, attempt.task.fence);
    case 'cancel':
      return new RookeryError(
        'CANCELLED',
        `attempt of task ${id} cancelled on request${detail === null ? '' : `: ${detail}`}`,
      );
    case 'heartbeat-timeout':
      return new RookeryError(
        'HEARTBEAT_TIMEOUT',
        `attempt of task ${id} aborted: no heartbeat for ${heartbeatTimeoutMs} ms`,
      );
    case 'timeout':
      return new RookeryError('ABORTED', `attempt of task ${id} aborted: timeout`);
    case 'stop':
      return new RookeryError('ABORTED', `attempt of task ${id} aborted: node stopping`);
  }
}

/**
 * The attempts running on a node, by task id, and the ways the node ends one early: an abort
 * (its timeout, a cancel request, the node stopping, a silent executor) or the loss of its
 * lease, after which nothing of the attempt is ever committed.
 */
export class RunningAttempts extends Map<string, Attempt> {
  /**
   * @param events - where `leaseLost` is emitted
   * @param heartbeatTimeoutMs - the node's heartbeat timeout, quoted by a heartbeat-timeout abort
   */
  constructor(
    private readonly events: EventBus,
    private readonly heartbeatTimeoutMs: number | null,
  ) {
    super();
  }

  /** Aborts an attempt with `cause` and an optional detail (the first cause wins). */
  abort(attempt: Attempt, cause: AbortCause, detail: string | null = null): void {
    if (attempt.abortCause !== null) return;
    attempt.abortCause = cause;
    attempt.abortDetail = detail;
    attempt.controller.abort(abortReason(attempt, cause, detail, this.heartbeatTimeoutMs));
  }

  /** The attempt's lease is lost (or given up): abort it, commit nothing, say so once. */
  lose(attempt: Attempt): void {
    if (attempt.leaseLost) return;
    attempt.leaseLost = true;
    attempt.leaseLoss.abort(new LeaseLostError(attempt.task.id, attempt.task.fence));
    this.abort(attempt, 'lease-lost');
    this.events.emit('leaseLost', attempt.task.id, attempt.task.fence);
  }

  /** The attempt's trust window ran out before a renewal came back: give its lease up (see {@link Attempt.trustRanOut}). */
  loseTrust(attempt: Attempt): void {
    if (attempt.leaseLost) return;
    attempt.trustRanOut = true;
    this.lose(attempt);
  }
}
