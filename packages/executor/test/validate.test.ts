import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError, type Executor, type Json } from '@rookery/core';
import { functionExecutors, httpExecutor, processExecutor } from '../src/index.js';

/** What `validate` threw: the field of its ValidationError, or 'valid'. */
async function verdict(executor: Executor, payload: Json): Promise<string> {
  try {
    await executor.validate?.(payload);
    return 'valid';
  } catch (error) {
    if (error instanceof ValidationError) return error.field;
    throw error;
  }
}

describe('process executor validate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rookery-validate-'));
  writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(dir, 'run.sh'), 0o755);
  writeFileSync(join(dir, 'plain.txt'), 'not a program\n');
  const executor = processExecutor({
    env: { PATH: '/usr/local/bin:/usr/bin:/bin' },
    allowShell: true,
    runtimeDir: null,
  });

  it.each<[string, Json, string]>([
    ['a program on PATH', { command: 'sh', args: ['-c', 'true'] }, 'valid'],
    ['a program missing from PATH', { command: 'no-such-program-rookery' }, 'payload.command'],
    [
      "a program missing from the payload's own PATH",
      { command: 'sh', env: { PATH: join(dir, 'nothing-here') } },
      'payload.command',
    ],
    ["a program found on the payload's own PATH", { command: 'run.sh', env: { PATH: dir } }, 'valid'],
    ['an absolute path to an executable', { command: join(dir, 'run.sh') }, 'valid'],
    ['an absolute path to a file that is not executable', { command: join(dir, 'plain.txt') }, 'payload.command'],
    ['a relative path, resolved against cwd', { command: './run.sh', cwd: dir }, 'valid'],
    ['a directory as the command', { command: dir }, 'payload.command'],
    ['a missing working directory', { command: 'sh', cwd: join(dir, 'missing') }, 'payload.cwd'],
    ['a shell line, whatever it names', { command: 'no-such-program-rookery | cat', shell: true }, 'valid'],
    ['a payload of the wrong shape', { command: 'sh', args: [1] }, 'payload.args[0]'],
  ])('%s', async (_what, payload, expected) => {
    expect(await verdict(executor, payload)).toBe(expected);
  });

  it('names the command and the PATH searched in the message', async () => {
    const error = await Promise.resolve(executor.validate?.({ command: 'no-such-program-rookery' })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(
      "'no-such-program-rookery' was not found on this node's PATH (/usr/local/bin:/usr/bin:/bin)",
    );
  });
});

describe('http executor validate', () => {
  const executor = httpExecutor();

  it.each<[string, Json, string]>([
    ['an https URL', { url: 'https://hooks.example.invalid/x', body: { a: 1 } }, 'valid'],
    ['an ftp URL', { url: 'ftp://example.com/x' }, 'payload.url'],
    ['a relative URL', { url: '/x' }, 'payload.url'],
    ['a GET with a body', { url: 'https://example.com', method: 'GET', body: 'x' }, 'payload.body'],
  ])('%s', async (_what, payload, expected) => {
    expect(await verdict(executor, payload)).toBe(expected);
  });
});

describe('function executors validate', () => {
  it("pass an executor object's validate through, and have none for a plain function", async () => {
    const [checked, plain] = functionExecutors({
      checked: {
        validate: (payload) => {
          if (typeof payload !== 'string') throw new ValidationError('payload', 'must be a string');
        },
        start: async () => ({ kind: 'done', result: null }),
      },
      plain: async () => null,
    });
    expect(await verdict(checked as Executor, 'ok')).toBe('valid');
    expect(await verdict(checked as Executor, 1)).toBe('payload');
    expect(plain?.validate).toBeUndefined();
  });

  it('refuse a validate that is not a function', () => {
    expect(() =>
      functionExecutors({ bad: { validate: 1, start: async () => ({ kind: 'done', result: null }) } as never }),
    ).toThrow(expect.objectContaining({ field: 'executors.bad.validate' }));
  });
});
