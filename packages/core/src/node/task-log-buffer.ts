import { storableText } from './attempt.js';
import type { NodeContext } from './node-context.js';

/** Lines of one attempt stored at most; further lines are counted, and a last line says how many. */
export const MAX_LOG_LINES_PER_ATTEMPT = 2_000;

/** Buffered lines that are flushed at once. */
export const LOG_BATCH_LINES = 100;

/** Longest a buffered line waits before its batch is flushed, in ms. */
export const LOG_FLUSH_MS = 1_000;

/**
 * The stored log of one attempt: `ctx.log` lines are buffered and appended in batches, when
 * {@link LOG_BATCH_LINES} are waiting or {@link LOG_FLUSH_MS} after the first of a batch, one
 * append at a time so that order is kept. At most {@link MAX_LOG_LINES_PER_ATTEMPT} lines are
 * stored (each cut to the storable length); `close` flushes the rest with a note of how many
 * were dropped. Lines logged after `close` (by an executor that ignores its abort signal) are
 * not stored: they are still emitted as `taskLog` events.
 */
export class TaskLogBuffer {
  #pending: { at: number; line: string }[] = [];
  #accepted = 0;
  #dropped = 0;
  #closed = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #appending: Promise<void> = Promise.resolve();

  /**
   * @param taskId - the task whose attempt logs
   * @param ctx - the node: its datastore, its estimate of the database clock (each line's
   *   `at`), and `generalError` for a batch that could not be stored (its lines are lost; the
   *   attempt goes on)
   */
  constructor(
    private readonly taskId: string,
    private readonly ctx: NodeContext,
  ) {}

  /** Takes one line. */
  add(line: string): void {
    if (this.#closed) return;
    if (this.#accepted >= MAX_LOG_LINES_PER_ATTEMPT) {
      this.#dropped += 1;
      return;
    }
    this.#accepted += 1;
    this.#pending.push({ at: this.ctx.dbNow(), line: storableText(line) });
    if (this.#pending.length >= LOG_BATCH_LINES) this.#flush();
    else this.#timer ??= setTimeout(() => this.#flush(), LOG_FLUSH_MS);
  }

  /** Stores what is buffered, with a note of dropped lines; resolves once stored or reported. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      if (this.#dropped > 0) {
        const note = `[rookery: ${this.#dropped} more line(s) of this attempt not stored: at most ${MAX_LOG_LINES_PER_ATTEMPT} are]`;
        this.#pending.push({ at: this.ctx.dbNow(), line: note });
      }
      this.#flush();
    }
    return this.#appending;
  }

  #flush(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#pending.length === 0) return;
    const lines = this.#pending;
    this.#pending = [];
    this.#appending = this.#appending
      .then(() => this.ctx.datastore.taskLogAppend({ taskId: this.taskId, lines }))
      .catch((error: unknown) => this.ctx.reportError(error, 'log', this.taskId));
  }
}
