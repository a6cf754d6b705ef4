import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DASHBOARD_CONTENT_SECURITY_POLICY,
  dashboardPlugin,
  DashboardNotBuiltError,
  dashboardScriptBytes,
  DEFAULT_DASHBOARD_DIRS,
  loadDashboardAssets,
} from '../src/dashboard/index.js';

// The built dashboard of this checkout (`npx tsc -b` builds it; `npm test` runs that first).
const assets = loadDashboardAssets();
const app = Fastify();
await app.register(dashboardPlugin);
afterAll(() => app.close());

describe('the built dashboard', () => {
  it('first load fetches under 200 KB of script', () => {
    const bytes = dashboardScriptBytes(assets);
    console.log(
      `dashboard script: ${(bytes / 1024).toFixed(1)} KB in ${[...assets.files.keys()].filter((p) => p.endsWith('.js')).length} modules`,
    );
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(200 * 1024);
  });

  it('names no other origin: no URL with a scheme in any file it serves', () => {
    for (const [path, file] of [['index.html', assets.index] as const, ...assets.files]) {
      expect(file.body.toString('utf8').match(/\b(?:https?|wss?):\/\/[^\s'"`)]*/g), path).toBeNull();
    }
  });

  it('every module a module imports is one the plugin serves', () => {
    for (const [path, file] of assets.files) {
      if (!path.endsWith('.js')) continue;
      const dir = path.split('/').slice(0, -1);
      for (const [, spec] of file.body.toString('utf8').matchAll(/\bfrom\s+'([^']+)'/g)) {
        const parts = [...dir];
        for (const part of (spec ?? '').split('/')) {
          if (part === '..') parts.pop();
          else if (part !== '.') parts.push(part);
        }
        expect(assets.files.has(parts.join('/')), `${path} imports ${spec}`).toBe(true);
      }
    }
  });
});

describe('dashboardPlugin', () => {
  it('serves the page at / with a same-origin-only content security policy', async () => {
    const page = await app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toBe(DASHBOARD_CONTENT_SECURITY_POLICY);
    expect(page.body).toContain('<script type="module" src="ui/main.js">');
  });

  it('serves the modules and the style sheet under /ui/, answers 304 to a matching etag and 404 to anything else', async () => {
    const main = await app.inject({ method: 'GET', url: '/ui/main.js' });
    expect(main.statusCode).toBe(200);
    expect(main.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(main.body).toBe(assets.files.get('main.js')?.body.toString('utf8'));
    const nested = await app.inject({ method: 'GET', url: '/ui/pages/overview-page.js' });
    expect(nested.statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/ui/style.css' })).headers['content-type']).toBe(
      'text/css; charset=utf-8',
    );
    const again = await app.inject({
      method: 'GET',
      url: '/ui/main.js',
      headers: { 'if-none-match': String(main.headers['etag']) },
    });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    for (const url of ['/ui/main.d.ts', '/ui/../package.json', '/ui/tsconfig.tsbuildinfo', '/ui/nope.js']) {
      const missing = await app.inject({ method: 'GET', url });
      expect(missing.statusCode, url).toBe(404);
    }
  });

  it('refuses to register when the scripts were not built, saying how to build them', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'rookery-dashboard-'));
    mkdirSync(join(empty, 'ui'));
    writeFileSync(join(empty, 'index.html'), '');
    const bare = Fastify();
    await expect(
      bare.register(dashboardPlugin, { dirs: { scripts: join(empty, 'ui'), page: DEFAULT_DASHBOARD_DIRS.page } }),
    ).rejects.toThrow(DashboardNotBuiltError);
    await expect(
      Fastify().register(dashboardPlugin, { dirs: { scripts: join(empty, 'ui'), page: empty } }),
    ).rejects.toThrow(/run npx tsc -b/);
    await bare.close();
  });
});
