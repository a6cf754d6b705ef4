import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOKERY_BIN } from '../src/cluster.js';

// `rookery demo` (what `npm run demo` runs, as is: ~35 s) serves the HTTP API and the dashboard while its
// cluster runs, and prints the dashboard's URL with an admin token it made for the run.
describe('rookery demo', () => {
  it('prints the dashboard URL with a fresh admin token and serves the dashboard and the API while it runs', async () => {
    const child = spawn(process.execPath, [ROOKERY_BIN, 'demo'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const match =
          /dashboard \(while the demo runs\): (http:\/\/127\.0\.0\.1:\d+\/)#token=([A-Za-z0-9_-]{24})\n/.exec(out);
        if (match?.[1] && match[2]) resolve(`${match[1]}#token=${match[2]}`);
      });
      void exited.then(() => reject(new Error(`the demo exited without printing the dashboard URL:\n${out}`)));
    });
    const [base, token] = url.split('#token=') as [string, string];
    const page = await fetch(base);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('ui/main.js');
    const auth = { authorization: `Bearer ${token}` };
    expect(await (await fetch(`${base}api/v1/whoami`, { headers: auth })).json()).toEqual({ role: 'admin' });
    expect((await fetch(`${base}api/v1/whoami`)).status).toBe(401);
    // the demo's five schedules, as the dashboard lists them
    await expect
      .poll(
        async () =>
          ((await (await fetch(`${base}api/v1/schedules`, { headers: auth })).json()) as { items: unknown[] }).items
            .length,
        { timeout: 15_000 },
      )
      .toBe(5);
    expect(await exited, out).toBe(0);
    // it stops serving when the demo ends
    await expect(fetch(base)).rejects.toThrow();
  }, 120_000);
});
