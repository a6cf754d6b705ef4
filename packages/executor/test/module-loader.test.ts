import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '@rookery/core';
import type { ExecutionContext } from '@rookery/core';
import { ExecutorLoadError, functionExecutors, loadFunctionModule } from '../src/index.js';

let dir: string;
const fixtures: Record<string, string> = {
  'default-object.mjs': `export default { hello: async (ctx) => ({ hi: ctx.payload }), 'ns/two': () => 2 };`,
  'named.mjs': `export const alpha = () => 'a';\nexport function beta() { return 'b'; }`,
  'plain.js': `export default { plain: () => 'esm .js' };`,
  'common.cjs': `module.exports = { cjs: () => 'from cjs' };`,
  'throws.mjs': `throw new Error('kaboom at load');`,
  'bad-shape.mjs': `export default { good: () => 1, bad: 42 };`,
  'bad-name.mjs': `export default { 'white space': () => 1 };`,
  'default-fn.mjs': `export default function task() {}`,
  'syntax.mjs': `export default {`,
  'package.json': `{ "type": "module" }`,
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rookery-loader-'));
  for (const [name, text] of Object.entries(fixtures)) await writeFile(join(dir, name), text);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function loadError(path: string): Promise<ExecutorLoadError> {
  const err: unknown = await loadFunctionModule(path).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ExecutorLoadError);
  expect(err).toBeInstanceOf(ValidationError);
  expect((err as ExecutorLoadError).field).toBe('executors');
  return err as ExecutorLoadError;
}

const ctx = (): ExecutionContext => ({
  task: { id: 't', scheduleId: 's', fireAt: 0, attempt: 1, fence: 1 },
  idempotencyKey: 't:1',
  payload: 'p',
  signal: new AbortController().signal,
  log: () => undefined,
  heartbeat: () => undefined,
});

describe('loadFunctionModule', () => {
  it('loads the default export object of an ES module', async () => {
    const mod = await loadFunctionModule(join(dir, 'default-object.mjs'));
    expect(Object.keys(mod).sort()).toEqual(['hello', 'ns/two']);
    const [hello] = functionExecutors(mod);
    await expect(hello?.start(ctx())).resolves.toEqual({ kind: 'done', result: { hi: 'p' } });
  });

  it('uses the namespace when there is no default export', async () => {
    const mod = await loadFunctionModule(join(dir, 'named.mjs'));
    expect(Object.keys(mod).sort()).toEqual(['alpha', 'beta']);
  });

  it('loads .js (ESM) and .cjs modules', async () => {
    expect(Object.keys(await loadFunctionModule(join(dir, 'plain.js')))).toEqual(['plain']);
    const cjs = await loadFunctionModule(join(dir, 'common.cjs'));
    expect(Object.keys(cjs)).toEqual(['cjs']);
    const fn = cjs.cjs;
    if (typeof fn !== 'function') throw new Error('cjs is not a function');
    expect(fn(ctx())).toBe('from cjs');
  });

  it('resolves a relative path against process.cwd()', async () => {
    const rel = relative(process.cwd(), join(dir, 'plain.js'));
    expect(Object.keys(await loadFunctionModule(rel))).toEqual(['plain']);
  });

  it('wraps a module that throws on load, keeping the cause', async () => {
    const err = await loadError(join(dir, 'throws.mjs'));
    expect(err.message).toMatch(/threw while loading: kaboom at load/);
    expect((err.cause as Error).message).toBe('kaboom at load');
    expect(err.path).toBe(join(dir, 'throws.mjs'));
  });

  it('wraps a syntax error', async () => {
    // Under plain Node the cause is a SyntaxError; under vitest the module runner's parse error.
    const err = await loadError(join(dir, 'syntax.mjs'));
    expect(err.cause).toBeInstanceOf(Error);
    expect(err.message).toMatch(/threw while loading/);
  });

  it('reports a missing file', async () => {
    const err = await loadError(join(dir, 'nope.mjs'));
    expect(err.message).toMatch(/no such file/);
    expect((err.cause as { code?: string }).code).toBe('ENOENT');
  });

  it('reports a directory', async () => {
    await loadError(dir);
  });

  it('refuses a module of the wrong shape, naming the function in the cause', async () => {
    const err = await loadError(join(dir, 'bad-shape.mjs'));
    expect(err.cause).toBeInstanceOf(ValidationError);
    expect((err.cause as ValidationError).field).toBe('executors.bad');
    expect(((await loadError(join(dir, 'bad-name.mjs'))).cause as ValidationError).field).toBe('executors.white space');
    expect(((await loadError(join(dir, 'default-fn.mjs'))).cause as ValidationError).field).toBe('executors');
  });
});
