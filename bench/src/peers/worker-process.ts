import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PeerWorkerConfig } from './peer.js';

/** The built worker script of the peers (dist/peers/worker.js). */
const WORKER_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), 'worker.js');

/** Lines of a worker's output kept to explain a failure. */
const KEPT_LINES = 40;

/** One worker process of a peer. */
export interface PeerProcess {
  /** Its node id in the history (`p1`, `p2`, …). */
  id: string;
  /** The process. */
  child: ChildProcess;
  /** Its pid. */
  pid: number;
  /** `generalError` lines it printed. */
  errors: number;
  /** Its last lines of output. */
  tail: string[];
  /** Resolves once it printed `ready`; rejects if it exits first. */
  ready: Promise<void>;
  /** Resolves with the exit code (or signal name) when it exits. */
  exited: Promise<number | string>;
}

/** Starts one worker process of a peer. */
export function startPeerProcess(config: PeerWorkerConfig, id: string): PeerProcess {
  const child = spawn(process.execPath, [WORKER_SCRIPT], {
    env: { ...process.env, ROOKERY_PEER_CONFIG: JSON.stringify(config), ROOKERY_NODE_ID: id },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${config.peer} worker ${id} did not start`);
  const exited = new Promise<number | string>((done) => child.on('exit', (code, signal) => done(code ?? signal ?? -1)));
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((done, fail) => {
    markReady = done;
    void exited.then((code) =>
      fail(
        new Error(
          `${config.peer} worker ${id} exited (${code}) before it was ready; its last output:\n${proc.tail.join('\n')}`,
        ),
      ),
    );
  });
  // A worker that exits after it was ready is noticed by the caller, not by this promise.
  ready.catch(() => undefined);
  const proc: PeerProcess = { id, child, pid: child.pid, errors: 0, tail: [], ready, exited };
  let partial = '';
  const take = (data: Buffer): void => {
    const lines = (partial + data.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line === 'ready') markReady();
      if (line.includes('generalError')) proc.errors += 1;
      proc.tail.push(line);
    }
    if (proc.tail.length > KEPT_LINES) proc.tail.splice(0, proc.tail.length - KEPT_LINES);
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  return proc;
}

/** True while `proc` has not exited. */
export function peerRunning(proc: PeerProcess): boolean {
  return proc.child.exitCode === null && proc.child.signalCode === null;
}

/** Stops a worker with SIGTERM (the peer's graceful stop), SIGKILL after `timeoutMs`. */
export async function stopPeerProcess(proc: PeerProcess, timeoutMs = 20_000): Promise<number | string> {
  if (!peerRunning(proc)) return proc.exited;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), timeoutMs);
  const code = await proc.exited;
  clearTimeout(timer);
  return code;
}
