import type { Datastore, TaskFinishParams } from '../datastore/datastore.js';
import type { Task } from '../model/task.js';
import type { Timer, Timers } from '../strategies/timers.js';

/** Most commits written in one transaction. */
export const MAX_FINISH_BATCH = 500;

/**
 * Most result bytes (serialized) written in one transaction: a batch stops short of it, so
 * that its statements stay well under MySQL/MariaDB's default `max_allowed_packet` (16 MiB)
 * even escaped. A commit with a larger result goes alone.
 */
export const MAX_FINISH_BATCH_BYTES = 4_194_304;

/** How one commit joins a batch. */
export interface FinishOptions {
  /** UTF-8 bytes of the outcome's serialized result (see `storableOutcome`). @defaultValue 0 */
  resultBytes?: number;
  /**
   * Commit it in a batch of its own: for a commit tried again after its batch failed, so that
   * an outcome the store refuses fails alone and never holds up the others. @defaultValue false
   */
  alone?: boolean;
}

/**
 * How much longer than the node's claim pace a commit waits for the next claim to carry it
 * (see {@link FinishBatcher.take}) before it is committed on its own: a loop that is busy (a
 * peel under way) lets it go alone.
 */
export const CARRY_SLACK_MS = 10;

/** Commits handed to a caller who writes them in a call of its own (`Datastore.taskFinishAndClaim`). */
export interface CarriedCommits {
  /** The commits, at most one per task, in order. */
  finishes: Omit<TaskFinishParams, 'now'>[];
  /** Answers each commit with the task written (undefined where the lease no longer held), in order. */
  settle(tasks: readonly (Task | undefined)[]): void;
  /** Fails every commit: the call failed, and its outcome is unknown. */
  fail(error: unknown): void;
}

/** One attempt's commit waiting for its batch. */
interface Waiting {
  finish: Omit<TaskFinishParams, 'now'>;
  resultBytes: number;
  alone: boolean;
  resolve: (task: Task | undefined) => void;
  reject: (error: unknown) => void;
}

/**
 * Commits attempts' outcomes in batches: the commits asked for while one batch is on its way
 * to the database go together in the next ({@link Datastore.taskFinishMany}: one transaction,
 * one statement per distinct outcome), up to {@link MAX_FINISH_BATCH} commits and
 * {@link MAX_FINISH_BATCH_BYTES} of results, so a busy node spends a fraction of a transaction
 * per task and an idle one commits at once, without waiting for company. A batch that fails
 * fails every commit in it: each caller decides (the attempt runner re-reads its task, since a
 * commit whose connection failed may have been applied, and tries again alone, so that one
 * commit the store refuses cannot fail the others a second time). On a store that can commit
 * and claim in one call, commits wait (at most the claim pace and {@link CARRY_SLACK_MS}) for
 * the node's next claim to carry them, so that a busy node ends and takes tasks in one round trip.
 */
export class FinishBatcher {
  private waiting: Waiting[] = [];
  private flushing = false;
  private held: Timer | null = null;

  /**
   * @param datastore - where the outcomes are committed
   * @param timers - where the wait for a carrier is timed
   * @param carrier - asked when commits arrive with no batch on its way: true when the node's
   *   loop will claim soon and carry them (see {@link FinishBatcher.take}; the call nudges
   *   it), false to commit them now
   * @param claimPaceMs - the node's claim pace: commits wait for a carrier this long and
   *   {@link CARRY_SLACK_MS} more
   */
  constructor(
    private readonly datastore: Datastore,
    private readonly timers: Timers,
    private readonly carrier: () => boolean = () => false,
    private readonly claimPaceMs = 0,
  ) {}

  /** Commits one outcome, as {@link Datastore.taskFinishMany} does for each of its commits; resolves when its batch is committed. */
  finish(finish: Omit<TaskFinishParams, 'now'>, options: FinishOptions = {}): Promise<Task | undefined> {
    return new Promise((resolve, reject) => {
      const alone = options.alone ?? false;
      this.waiting.push({ finish, resultBytes: options.resultBytes ?? 0, alone, resolve, reject });
      if (this.flushing || this.held) return;
      if (!alone && this.carrier()) {
        this.held = this.timers.setTimeout(() => {
          this.held = null;
          this.startFlush();
        }, this.claimPaceMs + CARRY_SLACK_MS);
        return;
      }
      // Commits asked for in the same turn of the event loop join the first batch.
      this.flushing = true;
      void Promise.resolve().then(() => this.flush());
    });
  }

  /**
   * Hands the commits waiting for a carrier to the caller, one batch within the limits, to be
   * written in a call of its own; null when none wait for one (nothing waits, or a batch is on
   * its way and takes them). Commits left over are committed as usual.
   */
  take(): CarriedCommits | null {
    if (this.flushing || this.waiting.length === 0) return null;
    this.held?.cancel();
    this.held = null;
    const batch = this.nextBatch();
    if (this.waiting.length > 0) this.startFlush();
    return {
      finishes: batch.map((w) => w.finish),
      settle: (tasks) => batch.forEach((w, i) => w.resolve(tasks[i])),
      fail: (error) => batch.forEach((w) => w.reject(error)),
    };
  }

  /** Commits carried commits the caller could not carry after all, as a batch of their own. */
  async commit(carried: CarriedCommits): Promise<void> {
    try {
      carried.settle(await this.datastore.taskFinishMany({ finishes: carried.finishes }));
    } catch (error) {
      carried.fail(error);
    }
  }

  /** Commits what waits for a carrier now (the node is stopping). */
  release(): void {
    if (!this.held) return;
    this.held.cancel();
    this.held = null;
    this.startFlush();
  }

  private startFlush(): void {
    if (this.flushing) return;
    this.flushing = true;
    void this.flush();
  }

  private async flush(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.nextBatch();
      try {
        const tasks = await this.datastore.taskFinishMany({ finishes: batch.map((w) => w.finish) });
        batch.forEach((w, i) => w.resolve(tasks[i]));
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    this.flushing = false;
  }

  /** Takes the next batch off the queue, in order, within its limits; a commit that must go alone goes alone. */
  private nextBatch(): Waiting[] {
    const batch: Waiting[] = [];
    const rest: Waiting[] = [];
    let bytes = 0;
    for (const w of this.waiting) {
      const first = batch[0];
      const joins =
        first === undefined ||
        (!first.alone &&
          !w.alone &&
          batch.length < MAX_FINISH_BATCH &&
          bytes + w.resultBytes <= MAX_FINISH_BATCH_BYTES);
      if (joins) {
        batch.push(w);
        bytes += w.resultBytes;
      } else {
        rest.push(w);
      }
    }
    this.waiting = rest;
    return batch;
  }
}
