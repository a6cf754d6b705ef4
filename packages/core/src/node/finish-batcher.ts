import type { Datastore, TaskFinishParams } from '../datastore/datastore.js';
import type { Task } from '../model/task.js';

/** Most commits written in one transaction. */
export const MAX_FINISH_BATCH = 500;

/** One attempt's commit waiting for its batch. */
interface Waiting {
  finish: Omit<TaskFinishParams, 'now'>;
  resolve: (task: Task | undefined) => void;
  reject: (error: unknown) => void;
}

/**
 * Commits attempts' outcomes in batches: the commits asked for while one batch is on its way
 * to the database go together in the next ({@link Datastore.taskFinishMany}: one transaction,
 * one statement per distinct outcome), so a busy node spends a fraction of a transaction per
 * task and an idle one commits at once, without waiting for company. A batch that fails
 * fails every commit in it: each caller decides (the attempt runner re-reads its task, since a
 * commit whose connection failed may have been applied, and tries again in a later batch).
 */
export class FinishBatcher {
  private waiting: Waiting[] = [];
  private flushing = false;

  /** @param datastore - where the outcomes are committed */
  constructor(private readonly datastore: Datastore) {}

  /** Commits one outcome, as {@link Datastore.taskFinish} does; resolves when its batch is committed. */
  finish(finish: Omit<TaskFinishParams, 'now'>): Promise<Task | undefined> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ finish, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        // Commits asked for in the same turn of the event loop join the first batch.
        void Promise.resolve().then(() => this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, MAX_FINISH_BATCH);
      try {
        const tasks = await this.datastore.taskFinishMany({ finishes: batch.map((w) => w.finish) });
        batch.forEach((w, i) => w.resolve(tasks[i]));
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    this.flushing = false;
  }
}
