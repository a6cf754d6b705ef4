import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleValue } from '../../server/test/helpers/prometheus-text.js';
import { cli, freshDb } from './helpers.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const FUNCTIONS = fileURLToPath(new URL('./fixtures/functions.mjs', import.meta.url));

describe('rookery node --http', () => {
  it('serves /healthz, /readyz and /metrics on the port it prints, counts the task it ran, and stops on SIGTERM', async () => {
    const db = freshDb();
    const child = spawn(
      process.execPath,
      [
        BIN,
        'node',
        '--db',
        db,
        '--id',
        'probed',
        '--executors',
        FUNCTIONS,
        '--log',
        'text',
        '--http',
        '0',
        '--poll-waits',
        '50',
      ],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    const url = new Promise<string>((resolve) =>
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /serves \/metrics, \/healthz and \/readyz at (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (m) resolve(m[1]!);
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const base = await Promise.race([
        url,
        exited.then((code) => Promise.reject(new Error(`node exited ${code}: ${stderr}`))),
      ]);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect(((await ready.json()) as { checks: { name: string; ok: boolean }[] }).checks).toEqual([
        expect.objectContaining({ name: 'running', ok: true }),
        expect.objectContaining({ name: 'database', ok: true }),
        expect.objectContaining({ name: 'schema', ok: true }),
        expect.objectContaining({ name: 'clock', ok: true }),
      ]);
      expect(ready.status).toBe(200);
      const add = await cli([
        'job',
        'add',
        '--db',
        db,
        '--name',
        'echo',
        '--exec',
        'test-echo',
        '--at',
        new Date(Date.now() + 100).toISOString(),
      ]);
      expect(add.stderr).toBe('');
      let metrics = '';
      for (
        let i = 0;
        i < 200 && !/^rookery_tasks_completed_total\{executor="test-echo",node="probed"\} 1$/m.test(metrics);
        i += 1
      ) {
        await new Promise((r) => setTimeout(r, 50));
        metrics = await (await fetch(`${base}/metrics`)).text();
      }
      const { samples } = parsePrometheusText(metrics);
      expect(
        sampleValue(samples, 'rookery_task_start_lateness_seconds_count', { executor: 'test-echo', node: 'probed' }),
      ).toBe(1);
      expect(
        sampleValue(samples, 'rookery_db_operation_seconds_count', {
          operation: 'taskClaimDue',
          outcome: 'ok',
          node: 'probed',
        }),
      ).toBeGreaterThan(0);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, stderr).toBe(0);
  }, 30_000);

  it('refuses a bad port naming --http, before opening the database', async () => {
    const run = await cli(['node', '--db', freshDb(), '--http', '70000']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--http\b.*65535/);
  });
});
