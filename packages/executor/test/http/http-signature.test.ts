import { describe, expect, it } from 'vitest';
import {
  createMemoryReplayStore,
  signatureHeaders,
  signingString,
  verifyRookerySignature,
  type SignedCall,
} from '../../src/index.js';

const secret = 'sesame';
const body = '{"n":1}';
const call: SignedCall = {
  method: 'post',
  url: 'https://hooks.example.com/sync?full=1',
  taskId: 'task-1',
  fence: 5,
  timestamp: 1_000_000,
  nonce: 'n0nce-0123456789abcdef',
  body,
};
const signed = signatureHeaders(secret, call);
const request = {
  secret,
  method: 'POST',
  url: 'https://hooks.example.com/sync?full=1',
  headers: signed,
  body,
  now: 1_000_000,
};

describe('signingString', () => {
  it('is the documented eight lines: version, method, URL without user info and fragment, task, fence, timestamp, nonce, body hash', () => {
    expect(signingString({ ...call, url: 'https://u:p@hooks.example.com/sync?full=1#top' })).toBe(
      [
        'v2',
        'POST',
        'https://hooks.example.com/sync?full=1',
        'task-1',
        '5',
        '1000000',
        'n0nce-0123456789abcdef',
        '2bfd14f43d17fc7cea24e0917a8879b4b2f880b8baeec1b9d90fbaad655e71bd', // sha256('{"n":1}')
      ].join('\n'),
    );
    expect(signingString({ ...call, body: '' }).split('\n')[7]).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });
});

describe('verifyRookerySignature', () => {
  it('accepts a good call, with headers in any case, as text or bytes, and returns its nonce', () => {
    const upper = Object.fromEntries(Object.entries(signed).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyRookerySignature({ ...request, headers: upper })).toEqual({
      ok: true,
      taskId: 'task-1',
      fence: 5,
      timestamp: 1_000_000,
      nonce: 'n0nce-0123456789abcdef',
    });
    expect(
      verifyRookerySignature({
        ...request,
        headers: new Headers(signed),
        body: Buffer.from(body),
        url: new URL(request.url),
        minFence: 5,
      }).ok,
    ).toBe(true);
  });

  it('refuses as forged a call whose method, URL, body, task id, fence, timestamp or nonce was altered, or a wrong secret', () => {
    const forged = [
      { method: 'PUT' },
      { url: 'https://hooks.example.com/sync?full=0' },
      { url: 'https://hooks.example.com/delete-all?full=1' },
      { url: 'https://other.example.com/sync?full=1' },
      { url: 'http://hooks.example.com/sync?full=1' },
      { body: '{"n":2}' },
      { headers: { ...signed, 'rookery-task-id': 'task-2' } },
      { headers: { ...signed, 'rookery-fence': '6' } },
      { headers: { ...signed, 'rookery-timestamp': '1000001' } },
      { headers: { ...signed, 'rookery-nonce': 'n0nce-0123456789abcdeF' } },
      { secret: 'other' },
    ];
    for (const change of forged)
      expect(verifyRookerySignature({ ...request, ...change }), JSON.stringify(change)).toMatchObject({
        ok: false,
        reason: 'forged',
      });
  });

  it('refuses a stale fence, an old or future timestamp, and missing or malformed headers', () => {
    expect(verifyRookerySignature({ ...request, minFence: 6 })).toMatchObject({ ok: false, reason: 'stale' });
    expect(verifyRookerySignature({ ...request, now: 1_000_000 + 300_001 })).toMatchObject({
      ok: false,
      reason: 'expired',
    });
    expect(verifyRookerySignature({ ...request, now: 1_000_000 - 60_001, toleranceMs: 60_000 })).toMatchObject({
      ok: false,
      reason: 'expired',
    });
    for (const name of ['rookery-signature', 'rookery-nonce']) {
      const { [name]: _dropped, ...unsigned } = signed;
      expect(verifyRookerySignature({ ...request, headers: unsigned })).toMatchObject({ ok: false, reason: 'missing' });
    }
    expect(verifyRookerySignature({ ...request, headers: { ...signed, 'rookery-signature': 'v2=zz' } })).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    expect(
      verifyRookerySignature({
        ...request,
        headers: { ...signed, 'rookery-signature': signed['rookery-signature']?.replace('v2=', 'v1=') },
      }),
    ).toMatchObject({ ok: false, reason: 'malformed' });
    expect(verifyRookerySignature({ ...request, headers: { ...signed, 'rookery-fence': '-1' } })).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    expect(verifyRookerySignature({ ...request, headers: { ...signed, 'rookery-nonce': 'short' } })).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    expect(() => verifyRookerySignature({ ...request, url: '/sync?full=1' })).toThrow(
      expect.objectContaining({ field: 'url' }),
    );
  });

  it('with a replay store, refuses the same call sent again, and forgets it once its timestamp has expired', () => {
    const replay = createMemoryReplayStore();
    expect(verifyRookerySignature({ ...request, replay }).ok).toBe(true);
    expect(verifyRookerySignature({ ...request, replay, now: 1_000_000 + 299_000 })).toMatchObject({
      ok: false,
      reason: 'replayed',
    });
    const again = signatureHeaders(secret, { ...call, nonce: 'n0nce-fedcba9876543210' });
    expect(verifyRookerySignature({ ...request, headers: again, replay }).ok).toBe(true);
    // a refused call is not remembered: it does not block the genuine one
    const fresh = signatureHeaders(secret, { ...call, nonce: 'n0nce-aaaaaaaaaaaaaaaa' });
    expect(verifyRookerySignature({ ...request, headers: fresh, replay, body: 'tampered' })).toMatchObject({
      reason: 'forged',
    });
    expect(verifyRookerySignature({ ...request, headers: fresh, replay }).ok).toBe(true);
    expect(verifyRookerySignature({ ...request, replay, now: 1_000_000 + 300_001 })).toMatchObject({
      ok: false,
      reason: 'expired',
    });
  });

  it('keeps the memory replay store bounded by dropping expired nonces', () => {
    const replay = createMemoryReplayStore();
    for (let i = 0; i < 5_000; i += 1) expect(replay.remember(`nonce-${i}`, i + 10, i)).toBe(true);
    expect(replay.remember('nonce-4999', 5_009, 4_999)).toBe(false);
    // nonce-0 expired at 10: it was dropped, and is new again
    expect(replay.remember('nonce-0', 5_010, 5_000)).toBe(true);
  });
});
