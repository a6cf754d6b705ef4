import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExecutionContext, Json } from '@rookery/core';
import { HttpDestinationError } from '@rookery/executor';
import { builtInExecutors } from '../src/commands/built-in-executors.js';
import { cli, freshDb } from './helpers.js';

let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.map((close) => close()));
  closers = [];
});

/** A real local HTTP server answering 204, counting its requests. */
async function server(): Promise<{ url: string; requests: () => number }> {
  let requests = 0;
  const s = createServer((_req, res) => {
    requests += 1;
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve, reject) => s.close((error) => (error ? reject(error) : resolve()))));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, requests: () => requests };
}

function context(payload: Json): ExecutionContext {
  return {
    task: { id: 't', scheduleId: 's', fireAt: 0, attempt: 1, fence: 1 },
    idempotencyKey: 't:1',
    payload,
    signal: new AbortController().signal,
    log: () => undefined,
    heartbeat: () => undefined,
  };
}

describe('rookery node --http-allow', () => {
  it('gives the http executor its allow-list: a call elsewhere is not made and fails for good', async () => {
    const allowed = await server();
    const other = await server();
    const http = builtInExecutors({
      enabled: ['http'],
      killGraceMs: 100,
      allowCommands: null,
      allowShell: false,
      timings: { leaseMs: 10_000, trustMarginMs: 1_000 },
      httpTimeoutMs: 5_000,
      httpSecret: undefined,
      httpAllowedOrigins: [allowed.url],
      env: {},
      onError: () => undefined,
    }).find((e) => e.name === 'http');
    await expect(http?.start(context({ url: `${allowed.url}/ok` }))).resolves.toMatchObject({ kind: 'done' });
    await expect(http?.start(context({ url: `${other.url}/admin` }))).rejects.toThrow(HttpDestinationError);
    expect([allowed.requests(), other.requests()]).toEqual([1, 0]);
  });

  it('refuses an entry that is not an origin, naming the option, before opening the database', async () => {
    for (const value of ['https://api.example.com/path', 'ftp://files.example.com', 'not a url']) {
      const r = await cli(['node', '--db', freshDb(), '--http-allow', 'https://ok.example.com', '--http-allow', value]);
      expect(r.code, value).toBe(2);
      expect(r.stderr, value).toContain('http-allow[1]');
    }
  });
});
