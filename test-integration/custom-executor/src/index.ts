/**
 * An example of a custom Rookery executor package. It implements the `Executor` interface of
 * `@rookery/core` on its own (a type-only import: nothing of Rookery is loaded at run time)
 * and offers one executor, `word-count`, that counts the words and characters of
 * `payload.text`. Name the package in the node's configuration to run its tasks:
 *
 * @example
 * ```sh
 * npm install rookery-example-executor
 * rookery node --executor-package rookery-example-executor
 * rookery job add --name count --exec word-count --every 1m --payload '{"text":"to be or not to be"}'
 * ```
 * @packageDocumentation
 */
import type { ExecutionContext, ExecutionStart, Executor } from '@rookery/core';

/** What `word-count` expects as its payload. */
export interface WordCountPayload {
  /** The text whose words are counted. */
  text: string;
  /** Optional pause before answering, in ms (to show a long task that honours its abort signal). @defaultValue 0 */
  delayMs?: number;
}

/**
 * A failure that retrying cannot fix. Rookery recognises it by its `code`
 * (`PERMANENT_FAILURE`), so the package needs no run-time import of `@rookery/core`.
 */
class PayloadError extends Error {
  /** Rookery's code for a failure that is never retried. */
  readonly code = 'PERMANENT_FAILURE';
}

function parsePayload(payload: unknown): WordCountPayload {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw new PayloadError('payload: must be an object');
  const { text, delayMs } = payload as Record<string, unknown>;
  if (typeof text !== 'string') throw new PayloadError('payload.text: must be a string');
  if (delayMs !== undefined && (typeof delayMs !== 'number' || !Number.isInteger(delayMs) || delayMs < 0)) {
    throw new PayloadError('payload.delayMs: must be a whole number of ms');
  }
  return delayMs === undefined ? { text } : { text, delayMs };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The `word-count` executor: finishes each attempt in process (`{ kind: 'done' }`) with
 * `{ words, chars, node }`, where `node` is the id of the node that ran it.
 */
export const wordCount: Executor = {
  name: 'word-count',
  async start(ctx: ExecutionContext): Promise<ExecutionStart> {
    const { text, delayMs = 0 } = parsePayload(ctx.payload);
    ctx.log(`counting ${text.length} characters (attempt ${ctx.task.attempt}, fence ${ctx.task.fence})`);
    if (delayMs > 0) await pause(delayMs, ctx.signal);
    const words = text.split(/\s+/u).filter((w) => w !== '').length;
    return { kind: 'done', result: { words, chars: [...text].length, node: process.env['ROOKERY_NODE_ID'] ?? null } };
  },
};

/** The package's executors: what `rookery node --executor-package` and `loadExecutorPackage` load. */
const executors: Executor[] = [wordCount];
export default executors;
