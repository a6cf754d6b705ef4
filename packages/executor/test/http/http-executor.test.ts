import { afterEach, describe, expect, it } from 'vitest';
import { PermanentError, type ValidationError, type ExecutionContext, type Json } from '@rookery/core';
import {
  httpExecutor,
  HttpClientError,
  HttpStatusError,
  verifyRookerySignature,
  type HttpExecutorOptions,
} from '../../src/index.js';
import { startServer, type Answer } from './test-server.js';

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

function context(payload: Json, signal = new AbortController().signal): ExecutionContext {
  return {
    task: { id: 'task-1', scheduleId: 'sched-1', fireAt: 1_000, attempt: 1, fence: 7 },
    idempotencyKey: 'task-1:7',
    payload,
    signal,
    log: () => undefined,
    heartbeat: () => undefined,
  };
}

function call(payload: Json, options: HttpExecutorOptions = {}, signal?: AbortSignal) {
  return httpExecutor(options).start(context(payload, signal));
}

describe('httpExecutor', () => {
  it('completes on 2xx with the status and the JSON body, sending a JSON payload body as JSON', async () => {
    const s = await server((_req, res) =>
      res.writeHead(201, { 'content-type': 'application/json; charset=utf-8' }).end('{"id":42}'),
    );
    await expect(
      call({ url: `${s.url}/items?x=1`, body: { name: 'a' }, headers: { 'X-Token': 't' } }),
    ).resolves.toEqual({
      kind: 'done',
      result: { status: 201, body: { id: 42 }, truncated: false },
    });
    const [req] = s.received;
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/items?x=1');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers['x-token']).toBe('t');
    expect(req?.body.toString()).toBe('{"name":"a"}');
    expect(req?.headers['rookery-signature']).toBeUndefined();
  });

  it('keeps a text body as text, a GET has no body, and an empty answer is null', async () => {
    const s = await server((req, res) =>
      req.path === '/empty'
        ? res.writeHead(204).end()
        : res.writeHead(200, { 'content-type': 'text/plain' }).end('fine'),
    );
    await expect(call({ url: `${s.url}/t` })).resolves.toEqual({
      kind: 'done',
      result: { status: 200, body: 'fine', truncated: false },
    });
    await expect(call({ url: `${s.url}/empty`, method: 'delete' })).resolves.toEqual({
      kind: 'done',
      result: { status: 204, body: null, truncated: false },
    });
    expect(s.received.map((r) => r.method)).toEqual(['GET', 'DELETE']);
  });

  it('bounds the body it keeps, and leaves a cut JSON body as text', async () => {
    const big = JSON.stringify({ data: 'x'.repeat(10_000) });
    const s = await server((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(big));
    await expect(call({ url: s.url }, { maxBodyBytes: 100 })).resolves.toEqual({
      kind: 'done',
      result: { status: 200, body: big.slice(0, 100), truncated: true },
    });
  });

  it('fails retryably on 5xx, 408 and 429, and for good on other 4xx', async () => {
    const s = await server((req, res) => res.writeHead(Number(req.path.slice(1))).end(`status ${req.path}`));
    for (const status of [500, 503, 408, 429]) {
      const error: unknown = await call({ url: `${s.url}/${status}` }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HttpStatusError);
      expect(error).not.toBeInstanceOf(PermanentError);
      expect(error).toMatchObject({ status, body: `status /${status}` });
    }
    for (const status of [400, 404, 410]) {
      const error: unknown = await call({ url: `${s.url}/${status}` }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HttpClientError);
      expect(error).toBeInstanceOf(PermanentError);
      expect((error as Error).message).toMatch(
        new RegExp(`^GET ${s.url}/${status} answered ${status} .*: status /${status}$`),
      );
    }
  });

  it('fails retryably on a network error', async () => {
    const s = await server((_req, res) => res.end());
    await s.close();
    closers = [];
    const error: unknown = await call({ url: s.url }).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(PermanentError);
    expect((error as Error).message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/ failed: .*ECONNREFUSED/);
  });

  it('times out at the executor’s timeout, and stops at once when the attempt’s signal aborts', async () => {
    const s = await server(() => undefined); // never answers
    await expect(call({ url: s.url }, { timeoutMs: 200 })).rejects.toThrow(/got no whole answer within 200 ms/);
    const controller = new AbortController();
    const reason = new Error('cancelled');
    const started = call({ url: s.url }, {}, controller.signal);
    setTimeout(() => controller.abort(reason), 50);
    await expect(started).rejects.toBe(reason);
  });

  it('fails for good on a bad payload, with a ValidationError naming the field as cause', async () => {
    const cases: [Json, string][] = [
      [null, 'payload'],
      [{}, 'payload.url'],
      [{ url: 'not a url' }, 'payload.url'],
      [{ url: 'ftp://example.com/x' }, 'payload.url'],
      [{ url: 'http://x', method: 'GE T' }, 'payload.method'],
      [{ url: 'http://x', method: 'GET', body: 'x' }, 'payload.body'],
      [{ url: 'http://x', headers: { 'bad name': 'v' } }, 'payload.headers.bad name'],
      [{ url: 'http://x', headers: { a: 1 } }, 'payload.headers.a'],
      [{ url: 'http://x', headers: { a: 'line\nbreak' } }, 'payload.headers.a'],
      [{ url: 'http://x', headers: { a: 'bird 🐦' } }, 'payload.headers.a'],
      [{ url: 'http://x', header: {} }, 'payload.header'],
    ];
    for (const [payload, field] of cases) {
      const error: unknown = await call(payload).catch((e: unknown) => e);
      expect(error, JSON.stringify(payload)).toBeInstanceOf(PermanentError);
      expect(((error as Error).cause as ValidationError).field).toBe(field);
    }
  });

  it('signs calls when given a secret, so the receiver can verify them', async () => {
    const s = await server((req, res) => {
      const check = verifyRookerySignature({
        secret: 'sesame',
        method: req.method,
        url: s.url + req.path,
        headers: req.headers,
        body: req.body,
        now: 5_000,
      });
      res.writeHead(check.ok ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify(check));
    });
    const clock = { now: () => 4_000, monotonic: () => 0 };
    await expect(call({ url: s.url, body: 'raw text' }, { secret: 'sesame', clock })).resolves.toEqual({
      kind: 'done',
      result: {
        status: 200,
        body: { ok: true, taskId: 'task-1', fence: 7, timestamp: 4_000, nonce: expect.stringMatching(/^[\w-]{22}$/) },
        truncated: false,
      },
    });
    await expect(call({ url: s.url, method: 'PUT' }, { secret: 'wrong', clock })).rejects.toMatchObject({
      status: 401,
    });
  });

  it('refuses bad options', () => {
    expect(() => httpExecutor({ timeoutMs: 0 })).toThrow(expect.objectContaining({ field: 'timeoutMs' }));
    expect(() => httpExecutor({ maxBodyBytes: 1.5 })).toThrow(expect.objectContaining({ field: 'maxBodyBytes' }));
  });
});
