import type { Datastore, TaskFinishParams } from '../datastore/datastore.js';
import type { Task } from '../model/task.js';

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
 * commit the store refuses cannot fail the others a second time).
 */
export class FinishBatcher {
  private waiting: Waiting[] = [];
  private flushing = false;

  /** @param datastore - where the outcomes are committed */
  constructor(private readonly datastore: Datastore) {}

  /** Commits one outcome, as {@link Datastore.taskFinishMany} does for each of its commits; resolves when its batch is committed. */
  finish(finish: Omit<TaskFinishParams, 'now'>, options: FinishOptions = {}): Promise<Task | undefined> {
    return new Promise((resolve, reject) => {
      this.waiting.push({
        finish,
        resultBytes: options.resultBytes ?? 0,
        alone: options.alone ?? false,
        resolve,
        reject,
      });
      if (!this.flushing) {
        this.flushing = true;
        // Commits asked for in the same turn of the event loop join the first batch.
        void Promise.resolve().then(() => this.flush());
      }
    });
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
