import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MemoryDatastore, RookeryClient } from '@rookery/core';
import { describe, expect, it } from 'vitest';
import { API_ROUTES, buildOpenApiDocument, createApiServer } from '../../src/index.js';
import { call, TOKENS } from './api-harness.js';

const PAGE = fileURLToPath(new URL('../../../../site/operations.md', import.meta.url));

/** `METHOD /path` of each row of the route table of site/operations.md. */
function documentedRoutes(): string[] {
  const rows = readFileSync(PAGE, 'utf8')
    .split('\n')
    .filter((l) => /^\| (GET|POST|PATCH|DELETE) \| `\/api\/v1\//.test(l));
  return rows.map((row) => {
    const [, method, path] = /^\| (\w+) \| `([^`]+)`/.exec(row) ?? [];
    return `${method} ${path}`;
  });
}

describe('site/operations.md', () => {
  it('lists exactly the operations of the OpenAPI document, with the role each needs', async () => {
    const app = await createApiServer({
      client: new RookeryClient({ datastore: new MemoryDatastore() }),
      tokens: [{ role: 'read', token: TOKENS.read }],
    });
    const doc = (await call(app, { method: 'GET', url: '/api/v1/openapi.json' })).body as {
      paths: Record<string, Record<string, { 'x-rookery-role'?: string; security?: unknown[] }>>;
    };
    await app.close();
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documentedRoutes().sort()).toEqual(operations.sort());
    const page = readFileSync(PAGE, 'utf8');
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const role = op['x-rookery-role'] ?? 'none';
        expect(page, `${method} ${path}`).toContain(`| ${method.toUpperCase()} | \`${path}\` | ${role} |`);
      }
    }
  });

  it('the document is built from the route table: one operation per route, each path parameter declared', () => {
    const doc = buildOpenApiDocument(API_ROUTES, '/api/v1', '0.0.0');
    for (const route of API_ROUTES) {
      const path = `/api/v1${route.url}`.replace(/:(\w+)/g, '{$1}');
      const op = doc.paths[path]?.[route.method.toLowerCase()] as
        { parameters: { name: string; in: string }[] } | undefined;
      expect(op, `${route.method} ${path}`).toBeDefined();
      for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
        expect(
          op?.parameters.some((p) => p.in === 'path' && p.name === name),
          `${path} declares ${name}`,
        ).toBe(true);
      }
    }
  });
});
