import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { systemClock, ValidationError } from '@rookery/core';
import type { ReplayStore } from './http-replay.js';

/** Names of the headers of a signed call, lower case. */
export const SIGNATURE_HEADERS = {
  /** The task's id. */
  taskId: 'rookery-task-id',
  /** The attempt's fence: larger for every new claim of the task. */
  fence: 'rookery-fence',
  /** When the call was signed, epoch ms. */
  timestamp: 'rookery-timestamp',
  /** A random value new for every call (every redirect hop too), 16 to 128 of `A-Z a-z 0-9 _ -`. */
  nonce: 'rookery-nonce',
  /** `v2=` and the hex HMAC-SHA256 of {@link signingString}. */
  signature: 'rookery-signature',
} as const;

/** A shared secret: text (UTF-8) or bytes. */
export type SigningSecret = string | Uint8Array;

/** One signed call, as {@link signingString} covers it. */
export interface SignedCall {
  /** The method, any case (signed upper-case). */
  method: string;
  /** The absolute URL called (signed without user info and fragment: see {@link signingString}). */
  url: string | URL;
  /** The task's id. */
  taskId: string;
  /** The attempt's fence. */
  fence: number;
  /** When the call is signed, epoch ms. */
  timestamp: number;
  /** The call's nonce. */
  nonce: string;
  /** The body as sent (empty for none). */
  body: string | Uint8Array;
}

const NONCE = /^[A-Za-z0-9_-]{16,128}$/;

/** The URL as signed: `new URL(url).href` without user info and fragment. */
function signedUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new ValidationError(
      'url',
      'must be the absolute URL of the call, such as https://hooks.example.com/sync?full=1',
      { cause: error },
    );
  }
  parsed.username = '';
  parsed.password = '';
  parsed.hash = '';
  return parsed.href;
}

/**
 * The text a call's signature is the HMAC-SHA256 of: eight lines joined by `\n` (no final newline)
 *
 * ```
 * v2
 * <METHOD, upper case>
 * <URL: WHATWG href, without user info and fragment, e.g. https://hooks.example.com/sync?full=1>
 * <task id>
 * <fence, decimal>
 * <timestamp, epoch ms, decimal>
 * <nonce>
 * <SHA-256 of the body's bytes, lower-case hex; of zero bytes when there is no body>
 * ```
 *
 * so a receiver in any language can rebuild it from the request and the `rookery-*` headers.
 *
 * @param call - the call
 * @returns the text to sign
 * @throws ValidationError naming `url` when it is not an absolute URL
 */
export function signingString(call: SignedCall): string {
  const body = typeof call.body === 'string' ? Buffer.from(call.body, 'utf8') : call.body;
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return [
    'v2',
    call.method.toUpperCase(),
    signedUrl(call.url),
    call.taskId,
    String(call.fence),
    String(call.timestamp),
    call.nonce,
    bodyHash,
  ].join('\n');
}

function mac(secret: SigningSecret, call: SignedCall): Buffer {
  return createHmac('sha256', secret).update(signingString(call)).digest();
}

/**
 * The headers that sign one call: task id, fence, timestamp, nonce and `v2=<hex>`, the HMAC-SHA256
 * with `secret` of {@link signingString}, which binds the method, the URL, the attempt, the time,
 * the nonce and the body.
 *
 * @param secret - shared with the receiver
 * @param call - the call
 * @returns header name → value
 */
export function signatureHeaders(secret: SigningSecret, call: SignedCall): Record<string, string> {
  return {
    [SIGNATURE_HEADERS.taskId]: call.taskId,
    [SIGNATURE_HEADERS.fence]: String(call.fence),
    [SIGNATURE_HEADERS.timestamp]: String(call.timestamp),
    [SIGNATURE_HEADERS.nonce]: call.nonce,
    [SIGNATURE_HEADERS.signature]: `v2=${mac(secret, call).toString('hex')}`,
  };
}

/** What {@link verifyRookerySignature} checks. */
export interface VerifySignatureInput {
  /** The secret the node signs with. */
  secret: SigningSecret;
  /** The request's method (`req.method`). */
  method: string;
  /**
   * The absolute URL the node called: the origin the payload named and the path and query as
   * received, e.g. `new URL(req.url, 'https://hooks.example.com')`. Behind a proxy that rewrites
   * the host or path, the public URL, not the one the proxy forwarded to.
   */
  url: string | URL;
  /** The request's headers: a fetch `Headers`, or Node's `req.headers` (any case). */
  headers: Headers | Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The raw body exactly as received (before any JSON parsing). */
  body: string | Uint8Array;
  /**
   * The largest fence this receiver has accepted for the task: a call with a smaller fence
   * comes from an attempt that has lost its lease and is refused as `stale`.
   */
  minFence?: number;
  /** How far the timestamp may be from `now`, either way, in ms. @defaultValue 300000 (5 minutes) */
  toleranceMs?: number;
  /** The receiver's time, epoch ms. @defaultValue the system clock */
  now?: number;
  /**
   * Where accepted nonces are remembered, so the same call sent again within the tolerance
   * window is refused as `replayed` (see `createMemoryReplayStore`). Without it, a call copied
   * off the wire can be sent again until its timestamp expires.
   * @defaultValue none: replays inside the window are not detected
   */
  replay?: ReplayStore;
}

/** Why a call was refused by {@link verifyRookerySignature}. */
export type SignatureRefusal = 'missing' | 'malformed' | 'forged' | 'expired' | 'stale' | 'replayed';

/** The answer of {@link verifyRookerySignature}. */
export type SignatureCheck =
  | { ok: true; taskId: string; fence: number; timestamp: number; nonce: string }
  | { ok: false; reason: SignatureRefusal; message: string };

function header(headers: VerifySignatureInput['headers'], name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    return typeof value === 'string' ? value : value?.[0];
  }
  return undefined;
}

function refuse(reason: SignatureRefusal, message: string): SignatureCheck {
  return { ok: false, reason, message };
}

/**
 * Checks a call signed by the `http` executor, for a receiver, in this order: every `rookery-*`
 * header present (`missing`) and well formed (`malformed`); the signature matches the method,
 * URL, headers and body (`forged` otherwise: wrong secret, or something altered in transit or
 * replayed to another URL); the timestamp within `toleranceMs` of now (`expired`); the fence not
 * below `minFence` (`stale`: a call of an attempt that lost its lease to a newer one); and, with
 * `replay`, the nonce not seen before (`replayed`). Remember the fence of each accepted call per
 * task id and pass it as `minFence` next time.
 *
 * @param input - the secret, the request and what the receiver remembers
 * @returns `{ ok: true, taskId, fence, timestamp, nonce }` or `{ ok: false, reason, message }`
 * @throws ValidationError naming `url` when it is not an absolute URL (a receiver's mistake)
 * @example
 * ```ts
 * const replay = createMemoryReplayStore();
 * http.createServer(async (req, res) => {
 *   const body = Buffer.concat(await req.toArray());
 *   const url = new URL(req.url ?? '/', 'https://hooks.example.com');
 *   const minFence = fences.get(String(req.headers['rookery-task-id']));
 *   const check = verifyRookerySignature({ secret, method: req.method ?? '', url, headers: req.headers, body, minFence, replay });
 *   if (!check.ok) return void res.writeHead(check.reason === 'stale' ? 409 : 401).end(check.message);
 *   fences.set(check.taskId, check.fence);
 *   // ... do the work
 * });
 * ```
 */
export function verifyRookerySignature(input: VerifySignatureInput): SignatureCheck {
  const taskId = header(input.headers, SIGNATURE_HEADERS.taskId);
  const fenceText = header(input.headers, SIGNATURE_HEADERS.fence);
  const timestampText = header(input.headers, SIGNATURE_HEADERS.timestamp);
  const nonce = header(input.headers, SIGNATURE_HEADERS.nonce);
  const signature = header(input.headers, SIGNATURE_HEADERS.signature);
  if (
    taskId === undefined ||
    fenceText === undefined ||
    timestampText === undefined ||
    nonce === undefined ||
    signature === undefined
  ) {
    return refuse('missing', `the call lacks one of the ${Object.values(SIGNATURE_HEADERS).join(', ')} headers`);
  }
  const given = /^v2=([0-9a-f]{64})$/.exec(signature)?.[1];
  if (!/^\d{1,15}$/.test(fenceText) || !/^\d{1,15}$/.test(timestampText) || !NONCE.test(nonce) || given === undefined) {
    return refuse('malformed', 'the fence, timestamp, nonce or signature header is malformed');
  }
  const fence = Number(fenceText);
  const timestamp = Number(timestampText);
  const expected = mac(input.secret, {
    method: input.method,
    url: input.url,
    taskId,
    fence,
    timestamp,
    nonce,
    body: input.body,
  });
  if (!timingSafeEqual(Buffer.from(given, 'hex'), expected)) {
    return refuse(
      'forged',
      'the signature does not match the method, URL, headers and body (wrong secret, or altered in transit)',
    );
  }
  const now = input.now ?? systemClock.now();
  const tolerance = input.toleranceMs ?? 300_000;
  if (Math.abs(now - timestamp) > tolerance) {
    return refuse(
      'expired',
      `the call was signed ${Math.round((now - timestamp) / 1000)} s ago, beyond ±${tolerance} ms`,
    );
  }
  if (input.minFence !== undefined && fence < input.minFence) {
    return refuse(
      'stale',
      `fence ${fence} of task ${taskId} is below ${input.minFence}: a newer attempt has taken over`,
    );
  }
  if (input.replay !== undefined && !input.replay.remember(nonce, timestamp + tolerance, now)) {
    return refuse('replayed', `the call with nonce ${nonce} was accepted before: a replay`);
  }
  return { ok: true, taskId, fence, timestamp, nonce };
}
