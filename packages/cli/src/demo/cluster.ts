import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { EventLine } from '../output/event-line.js';

/** How to start one demo node. */
export interface DemoNodeOptions {
  /** Node id. */
  id: string;
  /** Path of the `rookery` bin script. */
  binPath: string;
  /** Database URL. */
  dbUrl: string;
  /** Executor module path. */
  executorsPath: string;
  /** Lease length, ms. */
  leaseMs: number;
  /** Extra environment. */
  env: Record<string, string>;
  /** Called for every event line the node prints. */
  onEvent: (line: EventLine) => void;
  /** Called for every other line (stderr, unparsable stdout). */
  onOther: (nodeId: string, line: string) => void;
}

/**
 * One `rookery node --log json` child process. Tracks which tasks it runs from its event
 * lines, and how it exited.
 */
export class DemoNode {
  /** Node id. */
  readonly id: string;
  /** Task ids running on it now, with their schedule ids. */
  readonly running = new Map<string, string>();
  /** True once it printed `nodeJoined`. */
  joined = false;
  /** Exit code or signal, once it exited. */
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;

  /** Spawns the node. */
  constructor(o: DemoNodeOptions) {
    this.id = o.id;
    const args = [
      o.binPath,
      'node',
      '--db',
      o.dbUrl,
      '--id',
      o.id,
      '--log',
      'json',
      '--executors',
      o.executorsPath,
      '--lease-ms',
      String(o.leaseMs),
      '--concurrency',
      '4',
      '--grace',
      '5s',
    ];
    this.child = spawn(process.execPath, args, {
      env: { ...process.env, ...o.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve();
      });
      this.child.on('error', (err) => {
        o.onOther(o.id, `spawn failed: ${err.message}`);
        this.exit ??= { code: null, signal: null };
        resolve();
      });
    });
    if (this.child.stdout) {
      createInterface({ input: this.child.stdout }).on('line', (text) => {
        const line = parseEventLine(text);
        if (!line) return o.onOther(o.id, text);
        this.track(line);
        o.onEvent(line);
      });
    }
    if (this.child.stderr) createInterface({ input: this.child.stderr }).on('line', (text) => o.onOther(o.id, text));
  }

  private track(l: EventLine): void {
    if (l.event === 'nodeJoined') this.joined = true;
    if (!l.taskId) return;
    if (l.event === 'taskStarted') this.running.set(l.taskId, l.scheduleId ?? '');
    else if (
      [
        'taskCompleted',
        'taskFailed',
        'taskRetried',
        'taskTimedOut',
        'taskCancelled',
        'taskReleased',
        'leaseLost',
      ].includes(l.event)
    )
      this.running.delete(l.taskId);
  }

  /** True while the process runs. */
  get alive(): boolean {
    return this.exit === null;
  }

  /** Sends a signal. */
  kill(signal: NodeJS.Signals): void {
    if (this.alive) this.child.kill(signal);
  }

  /** Resolves when the process has exited, or after `timeoutMs` (then SIGKILLs it). */
  async waitExit(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const r = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (r === 'timeout') {
      this.kill('SIGKILL');
      await this.exited;
    }
  }
}

/** Parses one line of `rookery node --log json`; undefined if it is not one. */
export function parseEventLine(text: string): EventLine | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const v = JSON.parse(text) as Partial<EventLine>;
    return typeof v.event === 'string' && typeof v.nodeId === 'string' ? (v as EventLine) : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `test` every 50 ms until it is true or `timeoutMs` passes; returns the last result. */
export async function until(test: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() >= end) return false;
    await delay(50);
  }
  return true;
}
