import type { Timer, Timers } from '../strategies/timers.js';

/** Most due times an alarm remembers; later ones are left to polling. */
export const MAX_DUE_TIMES = 10_000;

/** Longest single wait: a due time further off is re-armed after it (clock offsets drift). */
const MAX_WAIT_MS = 60_000;

/**
 * Wakes the node loop at each due time it is told of, to the millisecond, so that a task peeled
 * ahead starts at its fire time rather than at the next poll. It keeps the due times in order
 * (distinct, at most {@link MAX_DUE_TIMES}: the latest are dropped first) and one timer for the
 * earliest; each firing wakes the loop once for every due time that has come, and says which.
 */
export class DueAlarm {
  private readonly dueTimes: number[] = [];
  private timer: Timer | null = null;
  private armedFor = Infinity;

  /**
   * @param timers - where the waits are timed
   * @param now - the database clock as the node estimates it
   * @param wake - wakes the node loop, told the due times that have come
   */
  constructor(
    private readonly timers: Timers,
    private readonly now: () => number,
    private readonly wake: (came: readonly number[]) => void,
  ) {}

  /** Due times still to come. */
  get size(): number {
    return this.dueTimes.length;
  }

  /** True when the alarm is set for `at` (an integer, database clock) and has not rung for it yet. */
  has(at: number): boolean {
    return this.dueTimes[this.indexOf(at)] === at;
  }

  /** Wakes the loop at `dueAt` (database clock); at once if it has passed. */
  add(dueAt: number): void {
    const at = Math.ceil(dueAt);
    const lo = this.indexOf(at);
    if (this.dueTimes[lo] === at) return;
    if (lo >= MAX_DUE_TIMES) return;
    this.dueTimes.splice(lo, 0, at);
    if (this.dueTimes.length > MAX_DUE_TIMES) this.dueTimes.pop();
    this.arm();
  }

  /** Forgets every due time and stops the timer. */
  clear(): void {
    this.dueTimes.length = 0;
    this.timer?.cancel();
    this.timer = null;
    this.armedFor = Infinity;
  }

  /** Where `at` is, or would go, in the ordered due times. */
  private indexOf(at: number): number {
    let lo = 0;
    let hi = this.dueTimes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.dueTimes[mid] as number) < at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private arm(): void {
    const next = this.dueTimes[0];
    if (next === undefined || next >= this.armedFor) return;
    this.timer?.cancel();
    this.armedFor = next;
    this.timer = this.timers.setTimeout(() => this.fire(), Math.max(0, Math.min(next - this.now(), MAX_WAIT_MS)));
  }

  private fire(): void {
    this.timer = null;
    this.armedFor = Infinity;
    const now = this.now();
    let come = 0;
    while (come < this.dueTimes.length && (this.dueTimes[come] as number) <= now) come += 1;
    const came = this.dueTimes.splice(0, come);
    if (come > 0) this.wake(came);
    this.arm();
  }
}
