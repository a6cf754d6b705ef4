import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExecutionContext } from '@rookery/core';
import { processExecutor } from '../../src/index.js';
import { SUPERVISOR_NAME } from '../../src/process/group-supervisor.js';

// A `process` task's group and the node process that started it, on Linux: the group dies with
// its node whatever kills the node, and a stale run left on this host is ended before the task
// runs again. The "node" is a real child process running the built executor.

const NODE = process.execPath;
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    expect((error as { code?: unknown }).code).toBe('ESRCH');
    return false;
  }
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  for (const end = performance.now() + timeoutMs; !condition();) {
    if (performance.now() > end) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Starts a node process whose executor runs task `taskId`: a command that ignores SIGTERM and
 * prints its pid, which the node prints as `pid <n>`. Resolves with the node and that pid.
 */
async function nodeRunningTask(taskId: string, runtimeDir: string): Promise<{ node: ChildProcess; pid: number }> {
  const script = `
    import { processExecutor } from '@rookery/executor';
    const payload = { command: process.execPath, args: ['-e', "process.on('SIGTERM', () => {}); console.log(process.pid); setInterval(() => {}, 1000)"] };
    const task = { id: ${JSON.stringify(taskId)}, scheduleId: 's', fireAt: 0, attempt: 1, fence: 1 };
    const log = (line) => console.log('pid ' + line);
    processExecutor({ runtimeDir: ${JSON.stringify(runtimeDir)} }).start({ task, payload, signal: new AbortController().signal, log, heartbeat() {} });
    setInterval(() => {}, 1000);`;
  const node = spawn(NODE, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(node);
  let out = '';
  node.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  await until(() => /pid \d+\n/.test(out), 15_000, 'the task prints its pid');
  return { node, pid: Number(/pid (\d+)/.exec(out)?.[1]) };
}

/** Pids of this user's processes whose command line contains `text`. */
function processesWith(text: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        return readFileSync(`/proc/${name}/cmdline`, 'latin1').includes(text);
      } catch {
        return false; // gone meanwhile, or not ours
      }
    })
    .map(Number);
}

/** SIGKILLs what a failed test left of group `pgid`, if anything. */
function endGroupLeftBehind(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch (error) {
    expect((error as { code?: unknown }).code).toBe('ESRCH');
  }
}

/** True when `pid` is gone or a zombie (it runs nothing; its new parent reaps it). */
function ended(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]?.startsWith('Z') ?? true;
  } catch {
    return true;
  }
}

describe.runIf(process.platform === 'linux')('a process task and its node process', () => {
  it('when the node process dies right after spawning a command, before it announced the group, the command never runs', async () => {
    // The node process SIGKILLs itself the moment `spawn` returns the task's child: its group is
    // known to no supervisor and no registry yet. The command would write a file at once.
    const dir = mkdtempSync(join(tmpdir(), 'rookery-lifetime-'));
    const marker = join(dir, 'ran');
    const script = `
      import { writeSync } from 'node:fs';
      import { createRequire, syncBuiltinESMExports } from 'node:module';
      const childProcess = createRequire(import.meta.url)('node:child_process');
      const spawn = childProcess.spawn;
      childProcess.spawn = (file, args, options) => {
        const child = spawn(file, args, options);
        if (!args.includes(${JSON.stringify(SUPERVISOR_NAME)})) {
          writeSync(1, 'pid ' + child.pid + '\\n');
          process.kill(process.pid, 'SIGKILL');
        }
        return child;
      };
      syncBuiltinESMExports();
      const { processExecutor } = await import('@rookery/executor');
      const payload = { command: process.execPath, args: ['-e', "require('fs').writeFileSync(${JSON.stringify(marker).replaceAll('"', '\\"')}, 'ran'); setInterval(() => {}, 1000)"] };
      const task = { id: 'task-window', scheduleId: 's', fireAt: 0, attempt: 1, fence: 1 };
      processExecutor({ runtimeDir: ${JSON.stringify(dir)} }).start({ task, payload, signal: new AbortController().signal, log() {}, heartbeat() {} });
      setInterval(() => {}, 1000);`;
    const node = spawn(NODE, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(node);
    let out = '';
    node.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => node.on('exit', (_code, sig) => resolve(sig)));
    expect(signal).toBe('SIGKILL');
    const pid = Number(/pid (\d+)/.exec(out)?.[1]);
    expect(pid).toBeGreaterThan(0);
    // the held child reads end of file on its hold pipe and exits without running the command
    try {
      await until(() => ended(pid), 5_000, `held process ${pid} outlives its SIGKILLed node`);
    } finally {
      endGroupLeftBehind(pid);
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('when the node process is SIGKILLed, its task’s group (which ignores SIGTERM) is gone within two seconds', async () => {
    const { node, pid } = await nodeRunningTask('task-sigkill', mkdtempSync(join(tmpdir(), 'rookery-lifetime-')));
    expect(alive(pid)).toBe(true);
    node.kill('SIGKILL');
    await until(() => !alive(pid), 2_000, `process ${pid} outlives its SIGKILLed node`);
  });

  it('a run of the same task left by a dead node process on this host is ended before the task runs again', async () => {
    const runtimeDir = mkdtempSync(join(tmpdir(), 'rookery-lifetime-'));
    const { node, pid: stale } = await nodeRunningTask('task-stale', runtimeDir);
    // the previous node dies and its group supervisor cannot act (stopped): the group is left behind
    const supervisors = processesWith(SUPERVISOR_NAME).filter(
      (p) => readFileSync(`/proc/${p}/stat`, 'latin1').split(') ')[1]?.split(' ')[1] === String(node.pid),
    );
    expect(supervisors.length).toBe(1);
    const [supervisor] = supervisors as [number];
    process.kill(supervisor, 'SIGSTOP');
    try {
      node.kill('SIGKILL');
      await new Promise((resolve) => node.on('exit', resolve));
      expect(alive(stale)).toBe(true);
      // this node runs the same task: the command reports whether the stale process still lives
      const lines: string[] = [];
      const ctx: ExecutionContext = {
        task: { id: 'task-stale', scheduleId: 's', fireAt: 0, attempt: 2, fence: 2 },
        idempotencyKey: 'task-stale:2',
        // dead means no such process, or a zombie not yet reaped by init (it runs nothing)
        payload: {
          command: NODE,
          args: [
            '-e',
            `let s = ''; try { s = require('fs').readFileSync('/proc/${stale}/stat', 'latin1') } catch {} console.log(s === '' || s.split(') ')[1].startsWith('Z') ? 'stale gone' : 'stale alive')`,
          ],
        },
        signal: new AbortController().signal,
        log: (line) => lines.push(line),
        heartbeat: () => undefined,
      };
      await expect(processExecutor({ runtimeDir }).start(ctx)).resolves.toMatchObject({
        result: { stdout: 'stale gone\n' },
      });
      expect(readdirSync(runtimeDir)).toEqual([]);
    } finally {
      process.kill(supervisor, 'SIGKILL');
    }
  });

  it('a recorded run whose processes are gone is forgotten when the task runs again', async () => {
    const runtimeDir = mkdtempSync(join(tmpdir(), 'rookery-lifetime-'));
    const { node, pid } = await nodeRunningTask('task-gone', runtimeDir);
    const supervisor = processesWith(SUPERVISOR_NAME).find(
      (p) => readFileSync(`/proc/${p}/stat`, 'latin1').split(') ')[1]?.split(' ')[1] === String(node.pid),
    );
    expect(supervisor).toBeDefined();
    process.kill(supervisor as number, 'SIGKILL'); // the supervisor cannot act, and the run ends by itself
    process.kill(pid, 'SIGKILL');
    node.kill('SIGKILL');
    await until(() => !alive(pid), 5_000, 'the killed run is reaped');
    expect(readdirSync(runtimeDir).length).toBe(1);
    const ctx: ExecutionContext = {
      task: { id: 'task-gone', scheduleId: 's', fireAt: 0, attempt: 2, fence: 2 },
      idempotencyKey: 'task-gone:2',
      payload: { command: 'true' },
      signal: new AbortController().signal,
      log: () => undefined,
      heartbeat: () => undefined,
    };
    await expect(processExecutor({ runtimeDir }).start(ctx)).resolves.toMatchObject({ kind: 'done' });
    expect(readdirSync(runtimeDir)).toEqual([]);
  });
});
