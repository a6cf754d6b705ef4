import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The built `rookery` command (packages/cli/dist/bin.js of this repository). */
export const ROOKERY_BIN = resolve(here, '../../packages/cli/dist/bin.js');

/** The bench's recording no-op executor module. */
export const BENCH_FUNCTIONS = resolve(here, '../fixtures/bench-functions.mjs');

/** Lines of a node's output kept to explain a failure. */
const KEPT_LINES = 40;

/** One `rookery node` process of the bench. */
export interface BenchNode {
  /** Its node id. */
  id: string;
  /** The process. */
  child: ChildProcess;
  /** Its pid. */
  pid: number;
  /** `generalError` event lines it printed. */
  errors: number;
  /** Its last lines of output. */
  tail: string[];
  /** Resolves with the exit code (or signal name) when it exits. */
  exited: Promise<number | string>;
}

/** How the bench starts its nodes. */
export interface BenchNodeSettings {
  /** Datastore URL. */
  url: string;
  /** History file the executor records into. */
  history: string;
  /** Worker slots. */
  concurrency: number;
  /** Lease, ms; undefined for the node default. */
  leaseMs: number | undefined;
  /** Claim pace, ms; undefined for the node default. */
  claimPaceMs: number | undefined;
  /** A directory for each node's V8 CPU profile (`--cpu-prof`), or undefined for none. */
  cpuProfDir: string | undefined;
}

/** Starts `rookery node --id <id>` running the bench executor, with JSON event lines. */
export function startBenchNode(settings: BenchNodeSettings, id: string): BenchNode {
  // No line per task event: the bench reads the executor's history, and a line per event costs the node CPU.
  const profile = settings.cpuProfDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', settings.cpuProfDir];
  const args = [
    ...profile,
    ROOKERY_BIN,
    'node',
    '--db',
    settings.url,
    '--id',
    id,
    '--concurrency',
    String(settings.concurrency),
    '--log',
    'json',
    '--no-task-lines',
    '--executors',
    BENCH_FUNCTIONS,
  ];
  if (settings.leaseMs !== undefined) args.push('--lease-ms', String(settings.leaseMs));
  if (settings.claimPaceMs !== undefined) args.push('--claim-pace-ms', String(settings.claimPaceMs));
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ROOKERY_HISTORY: settings.history },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`node ${id} did not start`);
  const node: BenchNode = {
    id,
    child,
    pid: child.pid,
    errors: 0,
    tail: [],
    exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1))),
  };
  let partial = '';
  const take = (data: Buffer): void => {
    const lines = (partial + data.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.includes('generalError')) {
        node.errors += 1;
        // The first of each node's errors is printed: a count alone does not say what went wrong.
        if (node.errors === 1)
          process.stderr.write(`bench: node ${id}'s first generalError: ${line.slice(0, 2_000)}\n`);
      }
      node.tail.push(line);
    }
    if (node.tail.length > KEPT_LINES) node.tail.splice(0, node.tail.length - KEPT_LINES);
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  return node;
}

/** True while `node` has not exited. */
export function isRunning(node: BenchNode): boolean {
  return node.child.exitCode === null && node.child.signalCode === null;
}

/** Stops a node with SIGTERM, SIGKILL after `timeoutMs`; resolves with its exit code. */
export async function stopBenchNode(node: BenchNode, timeoutMs = 30_000): Promise<number | string> {
  if (!isRunning(node)) return node.exited;
  node.child.kill('SIGTERM');
  const timer = setTimeout(() => node.child.kill('SIGKILL'), timeoutMs);
  const code = await node.exited;
  clearTimeout(timer);
  return code;
}
