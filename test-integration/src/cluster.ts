import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunRecord } from '@rookery/core';

const here = dirname(fileURLToPath(import.meta.url));

/** Path of the `rookery` command's entry point (the built CLI). */
export const ROOKERY_BIN = resolve(here, '../../packages/cli/dist/bin.js');

/** Path of the recording executor module. */
export const RECORDING_FUNCTIONS = resolve(here, '../fixtures/recording-functions.mjs');

/** Path of the shell script a `process` task runs to record its own execution (start, signs of life, end). */
export const RECORDING_COMMAND = resolve(here, '../fixtures/recording-command.sh');

/** One `rookery node` child process. */
export interface ClusterNode {
  /** Node id given with --id. */
  id: string;
  /** The process. */
  child: ChildProcess;
  /** Everything it printed. */
  output: string[];
  /** Resolves with the exit code (or signal) when it exits. */
  exited: Promise<number | string>;
}

/** How to start a cluster. */
export interface ClusterOptions {
  /** Database URL. */
  db: string;
  /** Node ids to start. */
  ids: string[];
  /** Executor modules. */
  executors: string[];
  /** History file the recording executor appends to. */
  history: string;
  /** Lease length. */
  leaseMs: number;
  /** Worker slots per node. */
  concurrency: number;
}

/** Starts one `rookery node` process; `extraArgs` go after the standard ones. */
export function startNode(options: ClusterOptions, id: string, extraArgs: readonly string[] = []): ClusterNode {
  const args = [
    ROOKERY_BIN,
    'node',
    '--db',
    options.db,
    '--id',
    id,
    '--lease-ms',
    String(options.leaseMs),
    '--concurrency',
    String(options.concurrency),
    '--log',
    'json',
    ...extraArgs,
  ];
  for (const e of options.executors) args.push('--executors', e);
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ROOKERY_HISTORY: options.history, ROOKERY_NODE_ID: id },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return { id, child, output, exited };
}

/** Waits until `predicate` holds, polling every 50 ms, for at most `timeoutMs`. */
export async function waitUntil(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Reads the history file written by the recording executor. */
export function readHistory(file: string): RunRecord[] {
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  // The last line may be torn: a process killed mid-write leaves half a record, never a whole wrong one.
  const last = lines.pop() ?? '';
  const records = lines.filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as RunRecord);
  if (last.trim() !== '') {
    try {
      records.push(JSON.parse(last) as RunRecord);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
    }
  }
  return records;
}

/** Sends SIGTERM and waits for a graceful exit (SIGKILL after `timeoutMs`). */
export async function stopNode(node: ClusterNode, timeoutMs = 20_000): Promise<number | string> {
  if (node.child.exitCode !== null || node.child.signalCode !== null) return node.exited;
  node.child.kill('SIGTERM');
  const timer = setTimeout(() => node.child.kill('SIGKILL'), timeoutMs);
  const code = await node.exited;
  clearTimeout(timer);
  return code;
}
