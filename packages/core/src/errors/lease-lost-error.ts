import { RookeryError } from './rookery-error.js';

/**
 * A conditional write matched nothing: the writer no longer holds the lease (it expired, or
 * another node took the row with a newer fence). The write was not applied.
 */
export class LeaseLostError extends RookeryError {
  /** The leased row. */
  readonly rowId: string;
  /** The fence the writer held. */
  readonly fence: number;

  /**
   * @param rowId - id of the task or schedule
   * @param fence - the stale fence
   */
  constructor(rowId: string, fence: number) {
    super('LEASE_LOST', `lease on ${rowId} with fence ${fence} is no longer held`);
    this.rowId = rowId;
    this.fence = fence;
  }
}
