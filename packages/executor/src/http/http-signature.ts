import { createHmac, timingSafeEqual } from 'node:crypto';
import { systemClock } from '@rookery/core';

/** Names of the headers of a signed call, lower case. */
export const SIGNATURE_HEADERS = {
  /** The task's id. */
  taskId: 'rookery-task-id',
  /** The attempt's fence: larger for every new claim of the task. */
  fence: 'rookery-fence',
  /** When the call was signed, epoch ms. */
  timestamp: 'rookery-timestamp',
  /** `v1=` and the hex HMAC-SHA256 over the other three and the body. */
  signature: 'rookery-signature',
} as const;

/** A shared secret: text (UTF-8) or bytes. */
export type SigningSecret = string | Uint8Array;

function mac(secret: SigningSecret, taskId: string, fence: number, timestamp: number, body: Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`v1\n${taskId}\n${fence}\n${timestamp}\n`).update(body).digest();
}

/**
 * The headers that sign one call: task id, fence, timestamp and `v1=<hmac>` where the HMAC-SHA256
 * with `secret` covers `v1\n<taskId>\n<fence>\n<timestamp>\n` followed by the body's bytes.
 *
 * @param secret - shared with the receiver
 * @param call - the attempt, when, and the body as sent (empty for none)
 * @returns header name → value
 */
export function signatureHeaders(
  secret: SigningSecret,
  call: { taskId: string; fence: number; timestamp: number; body: string | Uint8Array },
): Record<string, string> {
  const body = typeof call.body === 'string' ? Buffer.from(call.body, 'utf8') : call.body;
  return {
    [SIGNATURE_HEADERS.taskId]: call.taskId,
    [SIGNATURE_HEADERS.fence]: String(call.fence),
    [SIGNATURE_HEADERS.timestamp]: String(call.timestamp),
    [SIGNATURE_HEADERS.signature]: `v1=${mac(secret, call.taskId, call.fence, call.timestamp, body).toString('hex')}`,
  };
}

/** What {@link verifyRookerySignature} checks. */
export interface VerifySignatureInput {
  /** The secret the node signs with. */
  secret: SigningSecret;
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
}

/** Why a call was refused by {@link verifyRookerySignature}. */
export type SignatureRefusal = 'missing' | 'malformed' | 'forged' | 'expired' | 'stale';

/** The answer of {@link verifyRookerySignature}. */
export type SignatureCheck =
  | { ok: true; taskId: string; fence: number; timestamp: number }
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
 * Checks a call signed by the `http` executor, for a receiver: the signature must match the
 * body and the headers (`forged` otherwise), the timestamp must be within `toleranceMs` of now
 * (`expired`: a replay), and the fence must not be below `minFence` (`stale`: a call of an
 * attempt that lost its lease to a newer one). Remember the fence of each accepted call per
 * task id and pass it as `minFence` next time.
 *
 * @param input - the secret, the request and what the receiver remembers
 * @returns `{ ok: true, taskId, fence, timestamp }` or `{ ok: false, reason, message }`
 * @example
 * ```ts
 * http.createServer(async (req, res) => {
 *   const body = Buffer.concat(await req.toArray());
 *   const check = verifyRookerySignature({ secret, headers: req.headers, body, minFence: fences.get(String(req.headers['rookery-task-id'])) });
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
  const signature = header(input.headers, SIGNATURE_HEADERS.signature);
  if (taskId === undefined || fenceText === undefined || timestampText === undefined || signature === undefined) {
    return refuse('missing', `the call lacks one of the ${Object.values(SIGNATURE_HEADERS).join(', ')} headers`);
  }
  const fence = Number(fenceText);
  const timestamp = Number(timestampText);
  const given = /^v1=([0-9a-f]{64})$/.exec(signature)?.[1];
  if (!/^\d+$/.test(fenceText) || !/^\d+$/.test(timestampText) || given === undefined) {
    return refuse('malformed', 'the fence, timestamp or signature header is malformed');
  }
  const body = typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : input.body;
  if (!timingSafeEqual(Buffer.from(given, 'hex'), mac(input.secret, taskId, fence, timestamp, body))) {
    return refuse('forged', 'the signature does not match the body and headers (wrong secret, or altered in transit)');
  }
  const now = input.now ?? systemClock.now();
  const tolerance = input.toleranceMs ?? 300_000;
  if (Math.abs(now - timestamp) > tolerance) {
    return refuse('expired', `the call was signed ${Math.round((now - timestamp) / 1000)} s from now, beyond ±${tolerance} ms`);
  }
  if (input.minFence !== undefined && fence < input.minFence) {
    return refuse('stale', `fence ${fence} of task ${taskId} is below ${input.minFence}: a newer attempt has taken over`);
  }
  return { ok: true, taskId, fence, timestamp };
}
