import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '@rookery/core';
import { ExecutorLoadError, ExecutorPackageError } from '@rookery/executor';
import { loadExecutorPackages, loadExecutors } from '../src/commands/node.js';
import { cli, cliJson, freshDb } from './helpers.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const FUNCTIONS = fileURLToPath(new URL('./fixtures/functions.mjs', import.meta.url));
const THROWS = fileURLToPath(new URL('./fixtures/throws-on-load.mjs', import.meta.url));
const MISSING = fileURLToPath(new URL('./fixtures/no-such-module.mjs', import.meta.url));
const BUILT_IN_NAME = fileURLToPath(new URL('./fixtures/built-in-name.mjs', import.meta.url));

describe('loadExecutors', () => {
  it('without a failure handler, throws the load error', async () => {
    await expect(loadExecutors([FUNCTIONS, THROWS])).rejects.toThrow(ExecutorLoadError);
  });

  it('with one, reports each module that fails to load and keeps the others', async () => {
    const failures: ExecutorLoadError[] = [];
    const executors = await loadExecutors([MISSING, FUNCTIONS, THROWS], (e) => failures.push(e));
    expect(executors.map((e) => e.name)).toEqual(['test-echo']);
    expect(failures.map((f) => f.path)).toEqual([MISSING, THROWS]);
    expect(failures[1]?.message).toContain('this fixture always fails to load');
    expect(failures[1]?.cause).toBeInstanceOf(Error);
  });

  it('still refuses an executor name offered by two modules', async () => {
    await expect(loadExecutors([FUNCTIONS, FUNCTIONS], () => undefined)).rejects.toThrow(ValidationError);
  });

  it('refuses a function named like a built-in executor', async () => {
    await expect(loadExecutors([BUILT_IN_NAME], () => undefined)).rejects.toThrow(
      expect.objectContaining({ field: 'executors.http', message: expect.stringContaining('built into rookery node') }),
    );
  });
});

describe('loadExecutorPackages', () => {
  it('loads installed packages, reporting one that cannot be loaded and keeping the others', async () => {
    const failures: ExecutorPackageError[] = [];
    const executors = await loadExecutorPackages(['no-such-executor-package', 'rookery-example-executor'], new Set(['http']), (e) => failures.push(e));
    expect(executors.map((e) => e.name)).toEqual(['word-count']);
    expect(failures.map((f) => f.packageName)).toEqual(['no-such-executor-package']);
    await expect(loadExecutorPackages(['no-such-executor-package'], new Set())).rejects.toThrow(ExecutorPackageError);
  });

  it('refuses an executor name offered already', async () => {
    await expect(loadExecutorPackages(['rookery-example-executor'], new Set(['word-count']))).rejects.toThrow(
      expect.objectContaining({ field: 'executors.word-count', message: expect.stringContaining('offered already') }),
    );
    await expect(loadExecutorPackages(['rookery-example-executor', 'rookery-example-executor'], new Set())).rejects.toThrow(ValidationError);
  });
});

describe('rookery node with no loadable executor module', () => {
  it('prints the generalError, keeps running (peel and repair only) and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'node', '--db', freshDb(), '--id', 'no-exec', '--executors', THROWS, '--log', 'text'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 15_000;
    while (!/running with executors \[http, process\]/.test(stderr) && child.exitCode === null && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    // still up a moment later: the failure did not end the process
    await new Promise((r) => setTimeout(r, 500));
    expect(child.exitCode, stderr).toBeNull();
    expect(stdout).toMatch(/ no-exec nodeJoined/);
    const errorLine = stderr.split('\n').find((l) => l.includes('generalError'));
    expect(errorLine).toMatch(/^\S+Z no-exec generalError \[executors\]: /);
    expect(errorLine).toContain(THROWS);
    expect(errorLine).toContain('this fixture always fails to load');
    expect(stderr).toContain('no executor module or package could be loaded');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 30_000);
});

describe('rookery node built-in executors', () => {
  it('runs a process job, whose command does not see the database URL', async () => {
    const db = freshDb();
    const child = spawn(process.execPath, [BIN, 'node', '--id', 'builtin', '--log', 'text'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ROOKERY_DB: db },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 15_000;
      while (!/running with executors/.test(stderr) && child.exitCode === null && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const payload = { command: process.execPath, args: ['-e', "console.log('db=' + (process.env.ROOKERY_DB ?? 'hidden'))"] };
      const add = await cli(['job', 'add', '--db', db, '--name', 'echo', '--exec', 'process', '--at', new Date(Date.now() + 500).toISOString(), '--payload', JSON.stringify(payload)]);
      expect(add.stderr).toBe('');
      let tasks: { state: string; result: unknown }[] = [];
      while (tasks[0]?.state !== 'completed' && Date.now() < deadline + 15_000) {
        await new Promise((r) => setTimeout(r, 100));
        tasks = await cliJson(['task', 'ls', '--db', db, '--job', 'echo', '--json']);
      }
      expect(tasks[0]).toMatchObject({ state: 'completed', result: { exitCode: 0, stdout: 'db=hidden\n' } });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 45_000);
});

describe('rookery node options', () => {
  it('refuses a --pool-max that is not a whole number from 1, naming it, before opening the database', async () => {
    for (const value of ['0', 'ten', '1.5']) {
      const r = await cli(['node', '--db', freshDb(), '--pool-max', value]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('pool-max');
    }
  });

  it('refuses a --max-result-bytes outside 1 to 8 MiB, naming it, before opening the database', async () => {
    for (const value of ['0', 'big', '8388609']) {
      const r = await cli(['node', '--db', freshDb(), '--max-result-bytes', value]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`max-result-bytes: must be a whole number from 1 to 8388608, got '${value}'`);
    }
  });
});
