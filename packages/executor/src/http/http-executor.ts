import { PermanentError, systemClock, ValidationError, type Clock, type ExecutionContext, type ExecutionStart, type Executor, type Json } from '@rookery/core';
import { parseHttpPayload, type HttpPayload } from './http-payload.js';
import { signatureHeaders, type SigningSecret } from './http-signature.js';

/** Options of {@link httpExecutor}. */
export interface HttpExecutorOptions {
  /** Name that schedules refer to. @defaultValue 'http' */
  name?: string;
  /**
   * Longest a call may take, response body included, when the schedule sets no shorter
   * `timeoutMs` (which aborts the call too). A call that runs out fails retryably.
   * @defaultValue 30000
   */
  timeoutMs?: number;
  /** Bytes of the response body kept in the result (the rest is not read). @defaultValue 65536 */
  maxBodyBytes?: number;
  /**
   * Signs every call with HMAC-SHA256 when set: headers `rookery-task-id`, `rookery-fence`,
   * `rookery-timestamp` and `rookery-signature`, checked by the receiver with
   * `verifyRookerySignature`, so it can refuse forged, replayed and stale (lower fence) calls.
   * @defaultValue none: calls are not signed
   */
  secret?: SigningSecret;
  /** Time of the signature's timestamp. @defaultValue the system clock */
  clock?: Clock;
}

/** Result of an `http` task that got a 2xx answer. */
export type HttpResult = {
  /** The status, 200..299. */
  status: number;
  /** The body: parsed when the answer is JSON (by content type), whole and valid; text otherwise; null when empty. */
  body: Json;
  /** True when the body was longer than `maxBodyBytes` and was cut (and left as text). */
  truncated: boolean;
};

/**
 * A call answered with 5xx, 408 (request timeout) or 429 (too many requests): the attempt
 * fails and the schedule's retry policy decides what comes next.
 */
export class HttpStatusError extends Error {
  /** The status. */
  readonly status: number;
  /** The start of the response body, as text. */
  readonly body: string;

  /**
   * @param message - what was called and how it answered
   * @param status - the status
   * @param body - the start of the response body
   */
  constructor(message: string, status: number, body: string) {
    super(message);
    this.name = 'HttpStatusError';
    this.status = status;
    this.body = body;
  }
}

/**
 * A call answered with a status that a retry will not change (4xx but 408 and 429, or a 1xx/3xx
 * left after redirects): a {@link PermanentError}, so the task fails without retry.
 */
export class HttpClientError extends PermanentError {
  /** The status. */
  readonly status: number;
  /** The start of the response body, as text. */
  readonly body: string;

  /**
   * @param message - what was called and how it answered
   * @param status - the status
   * @param body - the start of the response body
   */
  constructor(message: string, status: number, body: string) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** Characters of an error response's body carried in the error. */
const ERROR_BODY_CHARS = 1_000;

function limit(field: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new ValidationError(field, `must be an integer ≥ 1, got ${value}`);
  return value;
}

/**
 * The HTTP executor: calls the payload's `url` with Node's built-in `fetch`. A 2xx answer
 * completes the attempt with an {@link HttpResult}; 5xx, 408, 429, a network error and a
 * timeout fail it retryably; any other status fails it for good ({@link HttpClientError}). A
 * payload that is not `{ url, method?, headers?, body? }` fails it for good: a
 * `PermanentError` whose `cause` is the `ValidationError` naming the field. A string body is
 * sent as it is; any other JSON body is serialised and sent as `application/json` unless the
 * payload sets `content-type`. The call is aborted with the attempt's signal (timeout, cancel,
 * lost lease, node stopping) and after `timeoutMs`. `validate` checks the payload's shape and
 * the URL's syntax only: whether the host answers is for the attempts to find out.
 *
 * @param options - see {@link HttpExecutorOptions}
 * @throws ValidationError naming `timeoutMs` or `maxBodyBytes`
 * @example
 * ```ts
 * const node = new RookeryNode({ datastore, events, pool, executors: [httpExecutor({ secret: process.env.HOOK_SECRET })] });
 * await client.createSchedule({
 *   name: 'hourly-sync', executor: 'http',
 *   payload: { url: 'https://api.example.com/sync', method: 'POST', body: { full: false } },
 *   trigger: { kind: 'cron', expr: '0 * * * *', tz: 'UTC' },
 *   policies: { retry: { kind: 'exponential', maxAttempts: 5, delayMs: 10_000 } },
 * });
 * ```
 */
export function httpExecutor(options: HttpExecutorOptions = {}): Executor {
  const settings: CallSettings = {
    timeoutMs: limit('timeoutMs', options.timeoutMs ?? 30_000),
    maxBodyBytes: limit('maxBodyBytes', options.maxBodyBytes ?? 65_536),
    secret: options.secret,
    clock: options.clock ?? systemClock,
  };
  return {
    name: options.name ?? 'http',
    validate: (payload) => void parseHttpPayload(payload),
    start: async (ctx) => {
      let payload: HttpPayload;
      try {
        payload = parseHttpPayload(ctx.payload);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        throw new PermanentError(`invalid http payload: ${error.message}`, { cause: error });
      }
      ctx.signal.throwIfAborted();
      return call(ctx, payload, settings);
    },
  };
}

interface CallSettings {
  timeoutMs: number;
  maxBodyBytes: number;
  secret: SigningSecret | undefined;
  clock: Clock;
}

async function call(ctx: ExecutionContext, payload: HttpPayload, s: CallSettings): Promise<ExecutionStart> {
  const headers = new Headers(payload.headers);
  if (payload.bodyIsJson && !headers.has('content-type')) headers.set('content-type', 'application/json');
  if (s.secret !== undefined) {
    const signed = signatureHeaders(s.secret, { taskId: ctx.task.id, fence: ctx.task.fence, timestamp: s.clock.now(), body: payload.body ?? '' });
    for (const [name, value] of Object.entries(signed)) headers.set(name, value);
  }
  const timeout = AbortSignal.timeout(s.timeoutMs);
  const signal = AbortSignal.any([ctx.signal, timeout]);
  const what = `${payload.method} ${payload.url.origin}${payload.url.pathname}`;
  try {
    const response = await fetch(payload.url, { method: payload.method, headers, body: payload.body, signal });
    const { text, truncated } = await readBody(response, s.maxBodyBytes);
    const status = response.status;
    if (status >= 200 && status < 300) {
      const result: HttpResult = { status, body: parseBody(text, truncated, response.headers.get('content-type')), truncated };
      return { kind: 'done', result };
    }
    const excerpt = text.slice(0, ERROR_BODY_CHARS);
    const message = `${what} answered ${status} ${response.statusText}${excerpt.trim() ? `: ${excerpt.trim()}` : ''}`;
    if (status >= 500 || status === 408 || status === 429) throw new HttpStatusError(message, status, excerpt);
    throw new HttpClientError(message, status, excerpt);
  } catch (error) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (timeout.aborted) throw new Error(`${what} got no whole answer within ${s.timeoutMs} ms`, { cause: error });
    if (error instanceof HttpStatusError || error instanceof HttpClientError) throw error;
    const cause = (error as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error);
    throw new Error(`${what} failed: ${detail}`, { cause: error });
  }
}

/** Reads at most `maxBytes` of the body, cancelling the rest. */
async function readBody(response: Response, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { text: text + decoder.decode(), truncated: false };
    const room = maxBytes - bytes;
    if (value.byteLength > room) {
      text += decoder.decode(value.subarray(0, room));
      await reader.cancel();
      return { text, truncated: true };
    }
    bytes += value.byteLength;
    text += decoder.decode(value, { stream: true });
  }
}

/** The body as JSON when the answer says it is JSON, is whole and parses; as text otherwise. */
function parseBody(text: string, truncated: boolean, contentType: string | null): Json {
  if (!text) return null;
  const json = contentType !== null && /^application\/([\w.-]+\+)?json\b/i.test(contentType.trim());
  if (!json || truncated) return text;
  try {
    return JSON.parse(text) as Json;
  } catch {
    // a 2xx whose JSON is broken still did its work: the result keeps the text as it came
    return text;
  }
}
