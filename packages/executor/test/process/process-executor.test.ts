import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PermanentError, ValidationError, type ExecutionContext, type Json } from '@rookery/core';
import { processExecutor, ProcessExitError, type ProcessExecutorOptions } from '../../src/index.js';
import { trackedGroups } from '../../src/process/process-group.js';

const NODE = process.execPath;

/** A context whose log lines are collected in `lines`. */
function context(payload: Json, signal = new AbortController().signal) {
  const lines: string[] = [];
  const ctx: ExecutionContext = {
    task: { id: 'task-1', scheduleId: 'sched-1', fireAt: 1_000, attempt: 2, fence: 7 },
    idempotencyKey: 'task-1:7',
    payload,
    signal,
    log: (line) => lines.push(line),
    heartbeat: () => undefined,
  };
  return { ctx, lines };
}

/** This file's registry of process groups, apart from other test files'. */
const RUNTIME_DIR = mkdtempSync(join(tmpdir(), 'rookery-process-test-'));

function run(payload: Json, options: ProcessExecutorOptions = {}, signal?: AbortSignal) {
  const { ctx, lines } = context(payload, signal);
  return { started: processExecutor({ runtimeDir: RUNTIME_DIR, ...options }).start(ctx), lines };
}

/** Node code run by a child: `node -e code`. */
function nodeScript(code: string): Json {
  return { command: NODE, args: ['-e', code] };
}

function groupGone(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return false;
  } catch (error) {
    expect((error as { code?: unknown }).code).toBe('ESRCH');
    return true;
  }
}

afterEach(() => expect(trackedGroups()).toBe(0));

describe('processExecutor', () => {
  it('completes on exit code 0 with the stdout tail, logs both streams, and passes the task identity', async () => {
    const { started, lines } = run({
      ...(nodeScript(
        "console.log('hello ' + process.env.GREETING); console.error('careful'); console.log([process.env.ROOKERY_TASK_ID, process.env.ROOKERY_FENCE, process.env.ROOKERY_ATTEMPT].join(' '))",
      ) as object),
      env: { GREETING: 'world' },
    });
    await expect(started).resolves.toEqual({
      kind: 'done',
      result: { exitCode: 0, stdout: 'hello world\ntask-1 7 2\n', stdoutCutChars: 0 },
    });
    expect(lines).toContain('[stderr] careful');
    expect(lines).toContain('task-1 7 2');
  });

  it('lays the payload env over the executor’s base environment', async () => {
    const { started } = run(
      {
        command: NODE,
        args: ['-e', 'console.log(process.env.A, process.env.B, process.env.HOME)'],
        env: { B: 'payload' },
      },
      { env: { A: 'base', B: 'base', PATH: process.env.PATH } },
    );
    await expect(started).resolves.toMatchObject({ result: { stdout: 'base payload undefined\n' } });
  });

  it('fails the attempt with ProcessExitError on a non-zero exit, carrying the stderr tail', async () => {
    const { started } = run(nodeScript("console.error('disk full'); process.exit(3)"));
    const error: unknown = await started.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessExitError);
    expect(error).not.toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ exitCode: 3, signal: null, stderrTail: 'disk full\n' });
    expect((error as Error).message).toMatch(/exited with code 3; stderr ends: disk full/);
  });

  it('fails the attempt when the process is ended by a signal', async () => {
    const { started } = run(nodeScript("process.kill(process.pid, 'SIGKILL')"));
    await expect(started).rejects.toMatchObject({ exitCode: null, signal: 'SIGKILL' });
  });

  it('fails when the command cannot be started', async () => {
    const { started } = run({ command: 'rookery-no-such-command-here' });
    await expect(started).rejects.toThrow(
      /cannot start command 'rookery-no-such-command-here': .*not found on this node's PATH/,
    );
  });

  it('runs no shell unless asked: metacharacters are literal arguments', async () => {
    const literal = run({ command: 'echo', args: ['$HOME', '*', '|', 'a;b', '$(id)', '`id`', '>x'] });
    await expect(literal.started).resolves.toMatchObject({ result: { stdout: '$HOME * | a;b $(id) `id` >x\n' } });
    const shell = run({ command: 'echo $((1 + 2)) | tr 3 x', shell: true }, { allowShell: true });
    await expect(shell.started).resolves.toMatchObject({ result: { stdout: 'x\n' } });
  });

  it('bounds the log (head, a note, tail) and the stdout tail of the result', async () => {
    const { started, lines } = run(
      nodeScript(
        "for (let i = 0; i < 10000; i++) console.log('line ' + i); process.stdout.write('x'.repeat(50) + '\\n' + 'no newline')",
      ),
      {
        log: { headLines: 5, tailLines: 3, maxLineLength: 20 },
        stdoutTailChars: 30,
      },
    );
    const done = await started;
    expect(lines).toEqual([
      'line 0',
      'line 1',
      'line 2',
      'line 3',
      'line 4',
      '[rookery: 9994 line(s) of output cut; the last 3 follow]',
      'line 9999',
      `${'x'.repeat(20)}… [rookery: line cut at 20 characters]`,
      'no newline',
    ]);
    const total = Array.from({ length: 10000 }, (_, i) => `line ${i}\n`).join('').length + 51 + 'no newline'.length;
    expect(done).toEqual({
      kind: 'done',
      result: { exitCode: 0, stdout: `${'x'.repeat(19)}\nno newline`, stdoutCutChars: total - 30 },
    });
  });

  it('on abort sends SIGTERM to the whole group, then SIGKILL after the grace: nothing is left behind', async () => {
    // The child and its grandchild both ignore SIGTERM; the child says their pids once both run.
    const grandchild = "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)";
    const child = `
      const { spawn } = require('node:child_process');
      process.on('SIGTERM', () => console.log('got SIGTERM'));
      const g = spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: 'ignore' });
      setTimeout(() => console.log('ready ' + process.pid + ' ' + g.pid), 300);
      setInterval(() => {}, 1000);`;
    const controller = new AbortController();
    const { ctx, lines } = context(nodeScript(child), controller.signal);
    const ready = new Promise<[number, number]>((resolve) => {
      const log = ctx.log;
      ctx.log = (line) => {
        log(line);
        const m = /^ready (\d+) (\d+)$/.exec(line);
        if (m) resolve([Number(m[1]), Number(m[2])]);
      };
    });
    const started = processExecutor({ killGraceMs: 500, runtimeDir: RUNTIME_DIR }).start(ctx);
    const [pgid, grandPid] = await ready;
    expect(groupGone(pgid)).toBe(false);
    const reason = new Error('timed out');
    const abortedAt = performance.now();
    controller.abort(reason);
    await expect(started).rejects.toBe(reason);
    // liveness only: it took at least the grace, since SIGTERM was ignored
    expect(performance.now() - abortedAt).toBeGreaterThanOrEqual(450);
    expect(lines).toContain('got SIGTERM');
    expect(groupGone(pgid)).toBe(true);
    expect(() => process.kill(grandPid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });

  it('ends what the command left running in its group when it exits', async () => {
    const child = `
      const { spawn } = require('node:child_process');
      const g = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
      g.unref();
      console.log(process.pid + ' ' + g.pid);`;
    const { started } = run(nodeScript(child), { killGraceMs: 200 });
    const done = await started;
    if (done.kind !== 'done') throw new Error('expected done');
    const [pgid, grandPid] = String((done.result as { stdout: string }).stdout)
      .trim()
      .split(' ')
      .map(Number);
    expect(groupGone(pgid ?? 0)).toBe(true);
    expect(() => process.kill(grandPid ?? 0, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });

  it('kills the groups still running when the node process exits', async () => {
    // A node process (the built package) starts a command that ignores SIGTERM, then exits.
    const node = `
      import { processExecutor } from '@rookery/executor';
      const payload = { command: process.execPath, args: ['-e', "process.on('SIGTERM', () => {}); console.log(process.pid); setInterval(() => {}, 1000)"] };
      const log = (line) => { console.log(line); process.exit(0); };
      const task = { id: 't', scheduleId: 's', fireAt: 0, attempt: 1, fence: 1 };
      processExecutor({ runtimeDir: ${JSON.stringify(RUNTIME_DIR)} }).start({ task, payload, signal: new AbortController().signal, log, heartbeat() {} });`;
    const parent = spawn(NODE, ['--input-type=module', '-e', node], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    parent.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => parent.on('exit', resolve));
    expect(code).toBe(0);
    const pgid = Number(out.trim());
    expect(pgid).toBeGreaterThan(0);
    // and its run was taken off this host's registry
    expect(
      readdirSync(RUNTIME_DIR).filter(
        (name) => !name.endsWith('.tmp') && readFileSync(join(RUNTIME_DIR, name), 'utf8').includes(`"pgid":${pgid},`),
      ),
    ).toEqual([]);
    // liveness only: SIGKILL was sent on exit; the orphaned leader is reaped by init
    for (const until = performance.now() + 10_000; !groupGone(pgid);) {
      if (performance.now() > until) throw new Error(`process group ${pgid} outlived its node process`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  it('does not start when the signal has already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('too late'));
    await expect(run({ command: 'echo' }, {}, controller.signal).started).rejects.toThrow('too late');
  });

  it('fails for good on a bad payload, with a ValidationError naming the field as cause', async () => {
    const cases: [Json, string][] = [
      ['echo', 'payload'],
      [{}, 'payload.command'],
      [{ command: '  ' }, 'payload.command'],
      [{ command: 'echo', args: 'a b' }, 'payload.args'],
      [{ command: 'echo', args: ['a', 2] }, 'payload.args[1]'],
      [{ command: 'echo', env: { A: 1 } }, 'payload.env.A'],
      [{ command: 'echo', cwd: 3 }, 'payload.cwd'],
      [{ command: 'echo', shell: 'yes' }, 'payload.shell'],
      [{ command: 'echo', args: ['x'], shell: true }, 'payload.args'],
      [{ command: 'echo', arg: ['x'] }, 'payload.arg'],
    ];
    for (const [payload, field] of cases) {
      const error: unknown = await run(payload).started.catch((e: unknown) => e);
      expect(error, JSON.stringify(payload)).toBeInstanceOf(PermanentError);
      expect((error as Error).cause).toBeInstanceOf(ValidationError);
      expect(((error as Error).cause as ValidationError).field).toBe(field);
    }
  });

  it('runs only allowed commands (after PATH lookup and symbolic links), and shell lines only when allowed', async () => {
    // on the list as /bin/echo (a symbolic link on merged-/usr systems), named as `echo` on PATH
    const options = { allowCommands: ['/bin/echo'] };
    await expect(run({ command: 'echo', args: ['allowed'] }, options).started).resolves.toMatchObject({
      result: { stdout: 'allowed\n' },
    });
    const refused: unknown = await run({ command: NODE, args: ['-e', '1'] }, options).started.catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PermanentError);
    expect((refused as Error).cause).toMatchObject({
      field: 'payload.command',
      message: expect.stringContaining('is not an allowed command'),
    });
    const shell: unknown = await run({ command: 'echo hi', shell: true }).started.catch((e: unknown) => e);
    expect((shell as Error).cause).toMatchObject({ field: 'payload.shell' });
    const executor = processExecutor({ ...options, runtimeDir: null });
    await expect(executor.validate?.({ command: NODE })).rejects.toMatchObject({ field: 'payload.command' });
    await expect(executor.validate?.({ command: 'echo hi', shell: true })).rejects.toMatchObject({
      field: 'payload.shell',
    });
    await expect(executor.validate?.({ command: 'echo' })).resolves.toBeUndefined();
    expect(() => processExecutor({ allowCommands: ['echo'] })).toThrow(
      expect.objectContaining({ field: 'allowCommands[0]' }),
    );
  });

  it('refuses bad options', () => {
    expect(() => processExecutor({ killGraceMs: -1 })).toThrow(expect.objectContaining({ field: 'killGraceMs' }));
    expect(() => processExecutor({ log: { headLines: 1.5 } })).toThrow(
      expect.objectContaining({ field: 'log.headLines' }),
    );
  });
});
