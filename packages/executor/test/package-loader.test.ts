import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError, type ExecutionContext } from '@rookery/core';
import { ExecutorPackageError, loadExecutorPackage } from '../src/index.js';

let dir: string;

/** Packages installed in a temporary project's node_modules. */
const packages: Record<string, { json: Record<string, unknown>; index: string }> = {
  'one-executor': {
    json: { type: 'module', main: 'index.js' },
    index: `export default { name: 'one', start: async () => ({ kind: 'done', result: 1 }) };`,
  },
  '@acme/scoped': {
    json: { type: 'module', exports: { '.': { default: './index.js' } } },
    index: `export default [{ name: 'a', start: async () => ({ kind: 'done', result: 'a' }) }, { name: 'b', start: async () => ({ kind: 'done', result: 'b' }), status: async () => ({ state: 'running' }) }];`,
  },
  'throws-on-load': { json: { type: 'module', main: 'index.js' }, index: `throw new Error('kaboom at load');` },
  'no-start': { json: { type: 'module', main: 'index.js' }, index: `export default { name: 'x' };` },
  'bad-name': {
    json: { type: 'module', main: 'index.js' },
    index: `export default [{ name: 'white space', start() {} }];`,
  },
  'bad-status': {
    json: { type: 'module', main: 'index.js' },
    index: `export default { name: 'x', start() {}, status: 42 };`,
  },
  'empty-list': { json: { type: 'module', main: 'index.js' }, index: `export default [];` },
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rookery-packages-'));
  await writeFile(join(dir, 'package.json'), '{ "name": "project", "private": true }');
  for (const [name, p] of Object.entries(packages)) {
    const at = join(dir, 'node_modules', name);
    await mkdir(at, { recursive: true });
    await writeFile(join(at, 'package.json'), JSON.stringify({ name, version: '1.0.0', ...p.json }));
    await writeFile(join(at, 'index.js'), p.index);
  }
  await mkdir(join(dir, 'nested', 'deeper'), { recursive: true });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function loadError(name: string): Promise<ExecutorPackageError> {
  const err: unknown = await loadExecutorPackage(name, { from: dir }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ExecutorPackageError);
  expect(err).toBeInstanceOf(ValidationError);
  expect((err as ExecutorPackageError).field).toBe('executorPackages');
  expect((err as ExecutorPackageError).packageName).toBe(name);
  return err as ExecutorPackageError;
}

describe('loadExecutorPackage', () => {
  it('loads a default export that is one executor, or an array of them, resolved from the given directory and its parents', async () => {
    const [one] = await loadExecutorPackage('one-executor', { from: dir });
    expect(one?.name).toBe('one');
    expect(await one?.start({} as ExecutionContext)).toEqual({ kind: 'done', result: 1 });
    const scoped = await loadExecutorPackage('@acme/scoped', { from: join(dir, 'nested', 'deeper') });
    expect(scoped.map((e) => e.name)).toEqual(['a', 'b']);
    expect(typeof scoped[1]?.status).toBe('function');
  });

  it('loads the repository’s example package from the working directory (Node’s module resolution)', async () => {
    const [wordCount] = await loadExecutorPackage('rookery-example-executor');
    expect(wordCount?.name).toBe('word-count');
    const lines: string[] = [];
    const started = await wordCount?.start({
      task: { id: 't', scheduleId: 's', fireAt: 0, attempt: 1, fence: 1 },
      idempotencyKey: 't:1',
      payload: { text: 'to be  or not to be' },
      signal: new AbortController().signal,
      log: (line) => lines.push(line),
      heartbeat: () => undefined,
    });
    expect(started).toMatchObject({ kind: 'done', result: { words: 6, chars: 19 } });
    expect(lines).toHaveLength(1);
  });

  it('refuses a package that is not installed, throws while loading, or exports no executor, saying why', async () => {
    expect((await loadError('not-installed')).message).toMatch(
      /cannot load executor package 'not-installed': not installed \(looked from /,
    );
    const thrown = await loadError('throws-on-load');
    expect(thrown.message).toMatch(/threw while loading: kaboom at load/);
    expect((thrown.cause as Error).message).toBe('kaboom at load');
    expect((await loadError('no-start')).message).toMatch(/default\.start must be a function/);
    expect((await loadError('bad-name')).message).toMatch(/default\[0\]\.name must be an executor name/);
    expect((await loadError('bad-status')).message).toMatch(/default\.status must be a function when given/);
    expect((await loadError('empty-list')).message).toMatch(/exports no executor/);
  });
});
