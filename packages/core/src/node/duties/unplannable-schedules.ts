/**
 * Most schedules {@link UnplannableSchedules} remembers. Past it the entry changed longest ago is
 * dropped, so memory stays bounded whatever the cluster holds: a node lacking the strategies of
 * more schedules than this may report some of them again, at most once per peel lease each.
 */
export const MAX_REMEMBERED_UNPLANNABLE = 1_000;

/**
 * The schedules this node failed to plan, with the error each last failed with, so that the peel
 * reports a schedule's error once rather than on every peel round (with the default peel lease of
 * 500 ms, about twice a second for as long as the node runs). A schedule is reported again when
 * its error changes, or when it fails again after this node peeled it.
 */
export class UnplannableSchedules {
  /** Schedule id → the message of its last planning error, oldest change first. */
  private readonly lastErrorById = new Map<string, string>();

  /**
   * Records that planning `scheduleId` failed with `message`.
   *
   * @returns true when it is news: the schedule had not failed since this node last peeled it, or failed otherwise
   */
  failed(scheduleId: string, message: string): boolean {
    if (this.lastErrorById.get(scheduleId) === message) return false;
    this.lastErrorById.delete(scheduleId);
    if (this.lastErrorById.size >= MAX_REMEMBERED_UNPLANNABLE) {
      const [oldest] = this.lastErrorById.keys();
      if (oldest !== undefined) this.lastErrorById.delete(oldest);
    }
    this.lastErrorById.set(scheduleId, message);
    return true;
  }

  /** Forgets `scheduleId`'s error: this node peeled it, so a later failure is news again. */
  peeled(scheduleId: string): void {
    this.lastErrorById.delete(scheduleId);
  }
}
