import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresDialect, type TestDatabase } from '../../datastore-sql/test/helpers/test-databases.js';
import { runCli } from '../src/index.js';
import { parseServeOptions } from '../src/commands/serve.js';
import { cli, freshDb } from './helpers.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const ADMIN = 'admin-0123456789abcdef';
const READ = 'read-0123456789abcdef';

const defaults = {
  port: '0',
  host: '127.0.0.1',
  token: [] as string[],
  logPoll: '1s',
  log: 'text',
  wakeSignals: 'auto',
};

/**
 * `rookery serve` on `db` (a fresh SQLite file unless given) and a free port, as a process: its
 * URL once printed, its output so far, its exit.
 */
function startServe(args: string[], env: Record<string, string>, db = freshDb()) {
  const child = spawn(process.execPath, [BIN, 'serve', '--db', db, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = new Promise<string>((resolve) =>
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /^(http:\/\/127\.0\.0\.1:\d+)\/$/m.exec(stdout);
      if (m) resolve(m[1]!);
    }),
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const base = Promise.race([url, exited.then((code) => Promise.reject(new Error(`serve exited ${code}: ${stderr}`)))]);
  return { child, exited, base, stdout: () => stdout, stderr: () => stderr };
}

describe('rookery serve', () => {
  it('serves the API with role tokens, the OpenAPI document, /metrics and the probes on the URL it prints, and stops on SIGTERM', async () => {
    const serve = startServe(['--token', `admin:${ADMIN}`], { ROOKERY_API_TOKENS: `read:${READ}` });
    const { child, exited } = serve;
    try {
      const base = await serve.base;
      const whoami = await fetch(`${base}/api/v1/whoami`, { headers: { authorization: `Bearer ${ADMIN}` } });
      expect([whoami.status, await whoami.json()]).toEqual([200, { role: 'admin' }]);
      // --token given: ROOKERY_API_TOKENS is not read
      expect((await fetch(`${base}/api/v1/whoami`, { headers: { authorization: `Bearer ${READ}` } })).status).toBe(401);
      expect((await fetch(`${base}/api/v1/schedules`)).status).toBe(401);
      const created = await fetch(`${base}/api/v1/schedules`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'hourly', executor: 'http', trigger: { kind: 'cron', expr: '0 * * * *' } }),
      });
      expect(created.status).toBe(201);
      const openapi = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as { openapi: string };
      expect(openapi.openapi).toBe('3.0.3');
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect([
        ready.status,
        ((await ready.json()) as { checks: { name: string }[] }).checks.map((c) => c.name),
      ]).toEqual([200, ['database', 'schema']]);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toMatch(/^rookery_db_operation_seconds_count\{operation="scheduleCreate",outcome="ok"\} 1$/m);
      // the cluster gauges, read from the ledger at the scrape
      expect(metrics).toMatch(/^rookery_cluster_nodes\{status="alive"\} 0$/m);
      expect(metrics).toMatch(/^rookery_cluster_backlog_tasks \d+$/m);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, serve.stderr()).toBe(0);
    expect(serve.stderr()).not.toContain(ADMIN);
  }, 30_000);

  it('refuses to start without a token unless --insecure-no-auth, and that only on loopback', async () => {
    const none = await cli(['serve', '--db', freshDb(), '--port', '0']);
    expect([none.code, none.stderr]).toEqual([2, expect.stringMatching(/--token\b.*--insecure-no-auth/)]);
    const open = await cli(['serve', '--db', freshDb(), '--port', '0', '--insecure-no-auth', '--host', '0.0.0.0']);
    expect([open.code, open.stderr]).toEqual([
      2,
      expect.stringMatching(/--host\b.*0\.0\.0\.0 is not a loopback address/),
    ]);
    expect(() => parseServeOptions({ ...defaults, insecureNoAuth: true, host: '::1' }, {})).not.toThrow();
    expect(() =>
      parseServeOptions({ ...defaults, insecureNoAuth: true }, { ROOKERY_API_TOKENS: `read:${READ}` }),
    ).toThrow(/insecure-no-auth/);
  });

  it('--log json writes a pino JSON line per request on stdout, never the token; --log refuses other formats by name', async () => {
    const serve = startServe(['--token', `admin:${ADMIN}`, '--log', 'json'], {});
    try {
      const base = await serve.base;
      expect((await fetch(`${base}/api/v1/whoami`, { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(
        200,
      );
      const deadline = Date.now() + 10_000;
      while (!serve.stdout().includes('"responseTime"') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
    } finally {
      serve.child.kill('SIGTERM');
    }
    expect(await serve.exited, serve.stderr()).toBe(0);
    const records = serve
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map(
        (line) =>
          JSON.parse(line) as {
            level: number;
            time: string;
            req?: { method: string; url: string };
            res?: { statusCode: number };
            responseTime?: number;
          },
      );
    expect(records.find((r) => r.req?.url === '/api/v1/whoami')).toMatchObject({ level: 30, req: { method: 'GET' } });
    expect(records.find((r) => r.res?.statusCode === 200 && typeof r.responseTime === 'number')?.time).toMatch(
      /^\d{4}-\d\d-\d\dT/,
    );
    expect(serve.stdout() + serve.stderr()).not.toContain(ADMIN);
    expect(() => parseServeOptions({ ...defaults, log: 'yaml' }, { ROOKERY_API_TOKENS: `read:${READ}` })).toThrow(
      /log.*json or text/,
    );
  }, 30_000);

  it('refuses a bad token naming the option, without printing the token', async () => {
    const secret = 'short-secret';
    let captured = '';
    const run = await runCli(['serve', '--db', freshDb(), '--port', '0', '--token', `read:${secret}`], {
      stdout: { write: () => undefined },
      stderr: { write: (s: string) => void (captured += s) },
      env: {},
    });
    expect(run).toBe(2);
    expect(captured).toMatch(/--token\b.*at least 16/);
    expect(captured).not.toContain(secret);
    expect(() => parseServeOptions({ ...defaults, token: [`root:${ADMIN}`] }, {})).toThrow(
      /ROLE one of read, operate, admin/,
    );
    expect(parseServeOptions(defaults, { ROOKERY_API_TOKENS: ` read:${READ}, admin:${ADMIN} ` }).tokens).toEqual([
      { role: 'read', token: READ },
      { role: 'admin', token: ADMIN },
    ]);
  });
});

const postgres = await postgresDialect();

describe.skipIf(!postgres.available)('rookery serve on postgres: wake signals', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await postgres.create();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('a job enqueued through the API wakes idle nodes with a NOTIFY of tasks; --wake-signals none sends none', async () => {
    for (const mode of ['auto', 'none'] as const) {
      const listener = new pg.Client({ connectionString: db.url });
      await listener.connect();
      const heard: string[] = [];
      listener.on('notification', (n) => heard.push(n.payload ?? ''));
      await listener.query('LISTEN rookery_wake');
      const serve = startServe(['--insecure-no-auth', '--wake-signals', mode], {}, db.url);
      try {
        const base = await serve.base;
        const enqueued = await fetch(`${base}/api/v1/jobs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ executor: 'http', payload: { url: 'http://127.0.0.1:9/hook' } }),
        });
        expect(enqueued.status, mode).toBe(201);
        // A notification sent on the job's commit has arrived once a few round trips return.
        for (let asked = 0; heard.length === 0 && asked < 50; asked += 1) {
          await listener.query('SELECT 1');
          await new Promise((r) => setTimeout(r, 20));
        }
        if (mode === 'auto') expect(heard).toEqual([expect.stringMatching(/^[^:]+:\d+:tasks$/)]);
        else expect(heard).toEqual([]);
      } finally {
        serve.child.kill('SIGTERM');
        await serve.exited;
        await listener.end();
      }
    }
  }, 60_000);

  it('refuses --wake-signals pg on a database other than PostgreSQL, naming the option, before serving', async () => {
    let captured = '';
    const run = await runCli(
      ['serve', '--db', freshDb(), '--port', '0', '--insecure-no-auth', '--wake-signals', 'pg'],
      {
        stdout: { write: () => undefined },
        stderr: { write: (s: string) => void (captured += s) },
        env: {},
      },
    );
    expect(run).toBe(2);
    expect(captured).toMatch(/--wake-signals\b.*PostgreSQL/);
  });
});
