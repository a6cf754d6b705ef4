import { afterEach, describe, expect, it } from 'vitest';
import { PermanentError, type ExecutionContext, type Json } from '@rookery/core';
import {
  createMemoryReplayStore,
  httpExecutor,
  HttpDestinationError,
  HttpRedirectError,
  verifyRookerySignature,
  type HttpExecutorOptions,
} from '../../src/index.js';
import { startServer, type Answer, type ReceivedRequest } from './test-server.js';

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.map((close) => close()));
  closers = [];
});

async function server(answer: Answer) {
  const s = await startServer(answer);
  closers.push(s.close);
  return s;
}

function context(payload: Json): ExecutionContext {
  return {
    task: { id: 'task-1', scheduleId: 'sched-1', fireAt: 1_000, attempt: 1, fence: 7 },
    idempotencyKey: 'task-1:7',
    payload,
    signal: new AbortController().signal,
    log: () => undefined,
    heartbeat: () => undefined,
  };
}

function call(payload: Json, options: HttpExecutorOptions = {}) {
  return httpExecutor(options).start(context(payload));
}

const clock = { now: () => 4_000, monotonic: () => 0 };
const signing: HttpExecutorOptions = { secret: 'sesame', clock };

/** Verifies a request the test server received, as the receiver at `origin` would. */
function verify(
  origin: string,
  req: ReceivedRequest,
  extra: Partial<Parameters<typeof verifyRookerySignature>[0]> = {},
) {
  return verifyRookerySignature({
    secret: 'sesame',
    method: req.method,
    url: origin + req.path,
    headers: req.headers,
    body: req.body,
    now: 4_000,
    ...extra,
  });
}

describe('httpExecutor redirects', () => {
  it('does not follow a redirect to another origin: the other host gets no request, so no signature, credentials, headers or body', async () => {
    const other = await server((_req, res) => res.writeHead(200).end('got it'));
    for (const status of [307, 302]) {
      const first = await server((_req, res) =>
        res.writeHead(status, { location: `${other.url}/collect?from=${status}` }).end(),
      );
      const headers = { Authorization: 'Bearer hunter2', 'X-Token': 'tok' };
      const error: unknown = await call(
        { url: `${first.url}/hook`, method: 'POST', headers, body: { secret: 'payload' } },
        signing,
      ).catch((e: unknown) => e);
      expect(other.received.map((r) => ({ ...r.headers, body: r.body.toString() }))).toEqual([]);
      expect(error).toBeInstanceOf(HttpRedirectError);
      expect(error).toBeInstanceOf(PermanentError);
      expect(error).toMatchObject({ refusal: 'cross-origin', status, location: `${other.url}/collect` });
      expect((error as Error).message).toContain(
        `POST ${first.url}/hook was redirected (${status}) to another origin, ${other.url}/collect: not followed`,
      );
      expect((error as Error).message).not.toContain('hunter2');
      expect(first.received).toHaveLength(1);
    }
  });

  it('follows same-origin redirects, signing each hop for its own URL; a 303 continues as a GET without the body', async () => {
    const s = await server((req, res) => {
      if (req.path === '/a') res.writeHead(308, { location: '/b?step=2' }).end();
      else if (req.path === '/b?step=2') res.writeHead(303, { location: `${s.url}/c` }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"done":true}');
    });
    await expect(call({ url: `${s.url}/a`, method: 'PUT', body: { n: 1 } }, signing)).resolves.toEqual({
      kind: 'done',
      result: { status: 200, body: { done: true }, truncated: false },
    });
    expect(s.received.map((r) => [r.method, r.path, r.body.toString(), r.headers['content-type']])).toEqual([
      ['PUT', '/a', '{"n":1}', 'application/json'],
      ['PUT', '/b?step=2', '{"n":1}', 'application/json'],
      ['GET', '/c', '', undefined],
    ]);
    for (const req of s.received) expect(verify(s.url, req), req.path).toMatchObject({ ok: true, fence: 7 });
    expect(new Set(s.received.map((r) => r.headers['rookery-nonce'])).size).toBe(3);
    // a hop's signature does not verify for another hop's URL
    expect(verify(s.url, { ...s.received[1]!, path: '/a' })).toMatchObject({ ok: false, reason: 'forged' });
  });

  it('stops after maxRedirects, for good', async () => {
    const s = await server((_req, res, n) => res.writeHead(302, { location: `/loop/${n}` }).end());
    const error: unknown = await call({ url: `${s.url}/start` }, { maxRedirects: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpRedirectError);
    expect(error).toMatchObject({ refusal: 'too-many', status: 302, location: `${s.url}/loop/3` });
    expect(s.received).toHaveLength(3);
    expect(() => httpExecutor({ maxRedirects: -1 })).toThrow(expect.objectContaining({ field: 'maxRedirects' }));
  });
});

describe('httpExecutor signature on the wire', () => {
  it('binds the method, the URL and the body: the receiver refuses each altered, and refuses the same call replayed', async () => {
    const replay = createMemoryReplayStore();
    const checks: unknown[] = [];
    const s = await server((req, res) => {
      const check = verify(s.url, req, { replay });
      checks.push(check);
      res.writeHead(check.ok ? 200 : 401).end();
    });
    await call({ url: `${s.url}/orders/1?notify=1`, method: 'PATCH', body: 'state=paid' }, signing);
    const [req] = s.received;
    expect(checks).toEqual([
      { ok: true, taskId: 'task-1', fence: 7, timestamp: 4_000, nonce: req?.headers['rookery-nonce'] },
    ]);
    if (req === undefined) throw new Error('no request');
    expect(verify(s.url, { ...req, method: 'DELETE' })).toMatchObject({ reason: 'forged' });
    expect(verify(s.url, { ...req, path: '/orders/2?notify=1' })).toMatchObject({ reason: 'forged' });
    expect(verify(s.url, { ...req, path: '/orders/1?notify=0' })).toMatchObject({ reason: 'forged' });
    expect(verify('http://127.0.0.2:1', req)).toMatchObject({ reason: 'forged' });
    expect(verify(s.url, { ...req, body: Buffer.from('state=refunded') })).toMatchObject({ reason: 'forged' });

    // the captured request sent again, headers and all
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(([name]) => name.startsWith('rookery-')) as [string, string][],
    );
    const resent = await fetch(`${s.url}/orders/1?notify=1`, { method: 'PATCH', headers, body: 'state=paid' });
    expect(resent.status).toBe(401);
    expect(checks[1]).toMatchObject({ ok: false, reason: 'replayed' });
  });
});

describe('httpExecutor allowed origins', () => {
  it('makes no call to an origin off the list and fails for good with the reason; calls one on it', async () => {
    const allowed = await server((_req, res) => res.writeHead(204).end());
    const denied = await server((_req, res) => res.writeHead(204).end());
    const options = { allowedOrigins: [allowed.url.replace('127.0.0.1', '127.0.0.1') + '/'] };
    await expect(call({ url: `${allowed.url}/ok` }, options)).resolves.toMatchObject({
      kind: 'done',
      result: { status: 204 },
    });
    const error: unknown = await call({ url: `${denied.url}/internal?token=abc` }, options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpDestinationError);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ origin: denied.url });
    expect((error as Error).message).toBe(
      `GET ${denied.url}/internal not made: ${denied.url} is not on this executor's allowed origins (${allowed.url})`,
    );
    expect(denied.received).toEqual([]);
    expect(allowed.received).toHaveLength(1);
  });

  it('refuses an entry that is not an origin, naming it', () => {
    for (const [entry, index] of [
      ['not a url', 0],
      ['ftp://x', 0],
      ['https://u:p@x', 0],
      ['https://x/path', 0],
    ] as const) {
      expect(() => httpExecutor({ allowedOrigins: [entry] }), entry).toThrow(
        expect.objectContaining({ field: `allowedOrigins[${index}]` }),
      );
    }
    expect(() => httpExecutor({ allowedOrigins: ['https://a.example', 'https://b.example?x=1'] })).toThrow(
      expect.objectContaining({ field: 'allowedOrigins[1]' }),
    );
  });
});

describe('httpExecutor credentials in the URL', () => {
  it('sends them as Basic authorization and keeps them out of a failing call’s error', async () => {
    const s = await server((_req, res) => res.writeHead(500).end('down'));
    const url = s.url.replace('http://', 'http://hook-user:hun%40ter2@');
    const answered: unknown = await call({ url: `${url}/hook?x=1` }).catch((e: unknown) => e);
    expect(s.received[0]?.headers.authorization).toBe(`Basic ${Buffer.from('hook-user:hun@ter2').toString('base64')}`);
    expect((answered as Error).message).toBe(`GET ${s.url}/hook answered 500 Internal Server Error: down`);

    await s.close();
    closers = [];
    const refused: unknown = await call({ url: `${url}/hook` }).catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/hook failed: .*ECONNREFUSED/);
    for (const error of [answered, refused]) {
      expect(String(error)).not.toMatch(/hun(%40|@)ter2|hook-user/);
      expect(JSON.stringify({ message: (error as Error).message, cause: String((error as Error).cause) })).not.toMatch(
        /hun(%40|@)ter2/,
      );
    }
  });

  it('keeps the password out of a payload error too', async () => {
    const error: unknown = await call({ url: 'http://user:hunter2@exa mple.com/x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toContain('user:***@exa mple.com');
    expect((error as Error).message).not.toContain('hunter2');
    await expect(call({ url: 'http://u:p@x.example', headers: { authorization: 'Bearer t' } })).rejects.toMatchObject({
      cause: { field: 'payload.url' },
    });
  });
});
