import { describe, expect, it } from 'vitest';
import { signatureHeaders, verifyRookerySignature } from '../../src/index.js';

const secret = 'sesame';
const body = '{"n":1}';
const signed = signatureHeaders(secret, { taskId: 'task-1', fence: 5, timestamp: 1_000_000, body });

describe('verifyRookerySignature', () => {
  it('accepts a good call, with headers in any case, as text or bytes', () => {
    const upper = Object.fromEntries(Object.entries(signed).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyRookerySignature({ secret, headers: upper, body, now: 1_000_000 })).toEqual({ ok: true, taskId: 'task-1', fence: 5, timestamp: 1_000_000 });
    expect(verifyRookerySignature({ secret, headers: new Headers(signed), body: Buffer.from(body), now: 1_000_000, minFence: 5 }).ok).toBe(true);
  });

  it('refuses a tampered body, task id, fence or timestamp, and a wrong secret, as forged', () => {
    const forged = [
      { headers: signed, body: '{"n":2}' },
      { headers: { ...signed, 'rookery-task-id': 'task-2' }, body },
      { headers: { ...signed, 'rookery-fence': '6' }, body },
      { headers: { ...signed, 'rookery-timestamp': '1000001' }, body },
    ];
    for (const input of forged) expect(verifyRookerySignature({ secret, ...input, now: 1_000_000 })).toMatchObject({ ok: false, reason: 'forged' });
    expect(verifyRookerySignature({ secret: 'other', headers: signed, body, now: 1_000_000 })).toMatchObject({ ok: false, reason: 'forged' });
  });

  it('refuses a stale fence, an old or future timestamp, and missing or malformed headers', () => {
    expect(verifyRookerySignature({ secret, headers: signed, body, now: 1_000_000, minFence: 6 })).toMatchObject({ ok: false, reason: 'stale' });
    expect(verifyRookerySignature({ secret, headers: signed, body, now: 1_000_000 + 300_001 })).toMatchObject({ ok: false, reason: 'expired' });
    expect(verifyRookerySignature({ secret, headers: signed, body, now: 1_000_000 - 60_001, toleranceMs: 60_000 })).toMatchObject({ ok: false, reason: 'expired' });
    const { 'rookery-signature': _dropped, ...unsigned } = signed;
    expect(verifyRookerySignature({ secret, headers: unsigned, body, now: 1_000_000 })).toMatchObject({ ok: false, reason: 'missing' });
    expect(verifyRookerySignature({ secret, headers: { ...signed, 'rookery-signature': 'v1=zz' }, body, now: 1_000_000 })).toMatchObject({ ok: false, reason: 'malformed' });
    expect(verifyRookerySignature({ secret, headers: { ...signed, 'rookery-fence': '-1' }, body, now: 1_000_000 })).toMatchObject({ ok: false, reason: 'malformed' });
  });
});
