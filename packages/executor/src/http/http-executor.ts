import { randomBytes } from 'node:crypto';
import {
  PermanentError,
  systemClock,
  ValidationError,
  type Clock,
  type ExecutionContext,
  type ExecutionStart,
  type Executor,
  type Json,
} from '@rookery/core';
import { parseAllowedOrigins } from './http-destination.js';
import { HttpClientError, HttpDestinationError, HttpRedirectError, HttpStatusError } from './http-errors.js';
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
   * Signs every call (every redirect hop afresh) with HMAC-SHA256 when set: headers
   * `rookery-task-id`, `rookery-fence`, `rookery-timestamp`, `rookery-nonce` and
   * `rookery-signature`, over the method, URL, task, fence, timestamp, nonce and body (see
   * `signingString`). The receiver checks them with `verifyRookerySignature`, so it can refuse
   * forged, replayed and stale (lower fence) calls.
   * @defaultValue none: calls are not signed
   */
  secret?: SigningSecret;
  /** Time of the signature's timestamp. @defaultValue the system clock */
  clock?: Clock;
  /**
   * The only origins calls may go to (`https://api.example.com`, `http://10.0.0.5:8080`): a
   * payload naming any other fails for good with {@link HttpDestinationError}, and no request is
   * sent. Keeps a schedule's author from turning the nodes against hosts on their network.
   * @defaultValue none: any origin
   */
  allowedOrigins?: readonly string[];
  /**
   * Same-origin redirects (301, 302, 303, 307, 308) followed per call, each hop signed afresh.
   * A redirect to another origin is never followed ({@link HttpRedirectError}): it would carry
   * the signature, the headers (`Authorization` too) and the body to a host the payload did not
   * name. 0 follows none: a redirect then fails the task for good.
   * @defaultValue 5
   */
  maxRedirects?: number;
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

/** Characters of an error response's body carried in the error. */
const ERROR_BODY_CHARS = 1_000;

function limit(field: string, value: number, min = 1): number {
  if (!Number.isSafeInteger(value) || value < min)
    throw new ValidationError(field, `must be an integer ≥ ${min}, got ${value}`);
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
 * Redirects are followed by hand, within the origin the payload named only (up to
 * `maxRedirects`); a redirect elsewhere fails the task for good ({@link HttpRedirectError}).
 * With `allowedOrigins`, a call to another origin is not made ({@link HttpDestinationError}).
 * User info in the URL is sent as `Authorization: Basic` and never appears in an error: errors
 * name the call as method, origin and path, without user info or query.
 *
 * @param options - see {@link HttpExecutorOptions}
 * @throws ValidationError naming `timeoutMs`, `maxBodyBytes`, `maxRedirects` or `allowedOrigins[i]`
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
    allowedOrigins:
      options.allowedOrigins === undefined ? undefined : parseAllowedOrigins(options.allowedOrigins, 'allowedOrigins'),
    maxRedirects: limit('maxRedirects', options.maxRedirects ?? 5, 0),
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
  allowedOrigins: ReadonlySet<string> | undefined;
  maxRedirects: number;
}

/** One request of a call: the first, or a redirect hop. */
interface Hop {
  method: string;
  url: URL;
  body: string | null;
}

/** Statuses that redirect, when they come with a `Location`. */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Headers that describe a body, dropped when a redirect turns the call into a GET. */
const BODY_HEADERS = ['content-type', 'content-encoding', 'content-language', 'content-location'];

/** A call as errors name it: method, origin and path, never user info or query. */
function nameOf(hop: Hop): string {
  return `${hop.method} ${hop.url.origin}${hop.url.pathname}`;
}

/** The next hop of a redirect answer, as `fetch` would make it; null when the answer is no redirect. */
function redirectOf(response: Response, hop: Hop): Hop | null {
  const location = response.headers.get('location');
  if (!REDIRECTS.has(response.status) || location === null) return null;
  let url: URL;
  try {
    url = new URL(location, hop.url);
  } catch {
    // a Location that is no URL: the 3xx is the answer, and fails as one
    return null;
  }
  url.username = '';
  url.password = '';
  url.hash = '';
  const toGet =
    (response.status === 303 && hop.method !== 'HEAD') ||
    ((response.status === 301 || response.status === 302) && hop.method === 'POST');
  return toGet ? { method: 'GET', url, body: null } : { ...hop, url };
}

function headersOf(ctx: ExecutionContext, payload: HttpPayload, hop: Hop, s: CallSettings): Headers {
  const headers = new Headers(payload.headers);
  if (hop.body === null) for (const name of BODY_HEADERS) headers.delete(name);
  else if (payload.bodyIsJson && !headers.has('content-type')) headers.set('content-type', 'application/json');
  if (s.secret !== undefined) {
    const call = {
      method: hop.method,
      url: hop.url,
      taskId: ctx.task.id,
      fence: ctx.task.fence,
      timestamp: s.clock.now(),
      nonce: randomBytes(16).toString('base64url'),
      body: hop.body ?? '',
    };
    for (const [name, value] of Object.entries(signatureHeaders(s.secret, call))) headers.set(name, value);
  }
  return headers;
}

function checkDestination(hop: Hop, allowed: ReadonlySet<string> | undefined): void {
  if (allowed === undefined || allowed.has(hop.url.origin)) return;
  const list = allowed.size === 0 ? 'none' : [...allowed].join(', ');
  throw new HttpDestinationError(
    `${nameOf(hop)} not made: ${hop.url.origin} is not on this executor's allowed origins (${list})`,
    hop.url.origin,
  );
}

/** Refuses a redirect to another origin or past `maxRedirects`; returns the hop to follow. */
function followable(from: Hop, to: Hop, status: number, followed: number, s: CallSettings): Hop {
  const location = `${to.url.origin}${to.url.pathname}`;
  if (to.url.origin !== from.url.origin) {
    throw new HttpRedirectError(
      `${nameOf(from)} was redirected (${status}) to another origin, ${location}: not followed, so that its headers, signature and body stay with ${from.url.origin} (name that URL in the payload if it is to be called)`,
      'cross-origin',
      status,
      location,
    );
  }
  if (followed >= s.maxRedirects) {
    throw new HttpRedirectError(
      `${nameOf(from)} was redirected (${status}) to ${location} after ${followed} redirect(s), the most this executor follows (maxRedirects)`,
      'too-many',
      status,
      location,
    );
  }
  return to;
}

async function call(ctx: ExecutionContext, payload: HttpPayload, s: CallSettings): Promise<ExecutionStart> {
  let hop: Hop = { method: payload.method, url: payload.url, body: payload.body };
  // Redirects stay within this origin (followable), so checking it once covers every hop.
  checkDestination(hop, s.allowedOrigins);
  const timeout = AbortSignal.timeout(s.timeoutMs);
  const signal = AbortSignal.any([ctx.signal, timeout]);
  try {
    for (let followed = 0; ; followed += 1) {
      const response = await fetch(hop.url, {
        method: hop.method,
        headers: headersOf(ctx, payload, hop, s),
        body: hop.body,
        signal,
        redirect: 'manual',
      });
      const next = redirectOf(response, hop);
      if (next !== null) {
        await response.body?.cancel();
        hop = followable(hop, next, response.status, followed, s);
        continue;
      }
      return await answer(response, nameOf(hop), s);
    }
  } catch (error) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const what = nameOf(hop);
    if (timeout.aborted) throw new Error(`${what} got no whole answer within ${s.timeoutMs} ms`, { cause: error });
    if (error instanceof HttpStatusError || error instanceof PermanentError) throw error;
    const cause = (error as { cause?: unknown }).cause;
    const detail = cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error);
    throw new Error(`${what} failed: ${detail}`, { cause: error });
  }
}

/** The outcome of a final (non-redirect) answer. */
async function answer(response: Response, what: string, s: CallSettings): Promise<ExecutionStart> {
  const { text, truncated } = await readBody(response, s.maxBodyBytes);
  const status = response.status;
  if (status >= 200 && status < 300) {
    const result: HttpResult = {
      status,
      body: parseBody(text, truncated, response.headers.get('content-type')),
      truncated,
    };
    return { kind: 'done', result };
  }
  const excerpt = text.slice(0, ERROR_BODY_CHARS);
  const message = `${what} answered ${status} ${response.statusText}${excerpt.trim() ? `: ${excerpt.trim()}` : ''}`;
  if (status >= 500 || status === 408 || status === 429) throw new HttpStatusError(message, status, excerpt);
  throw new HttpClientError(message, status, excerpt);
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
