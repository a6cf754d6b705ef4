import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Writable } from 'node:stream';

/**
 * The supervisor's script: it keeps the set of process groups the node announces on its stdin
 * (`add <pgid>`, `del <pgid>`), ignores the signals a terminal or a service manager sends, and
 * when its stdin ends (the node process died, however: the kernel closes the pipe) it SIGKILLs
 * every group still in the set, then exits.
 */
const SUPERVISOR_SCRIPT = `
const groups = new Set();
let pending = '';
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => {});
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  for (let nl = pending.indexOf('\\n'); nl >= 0; nl = pending.indexOf('\\n')) {
    const [op, id] = pending.slice(0, nl).split(' ');
    pending = pending.slice(nl + 1);
    if (op === 'add') groups.add(Number(id));
    else if (op === 'del') groups.delete(Number(id));
  }
});
process.stdin.on('end', () => {
  for (const pgid of groups) {
    try { process.kill(-pgid, 'SIGKILL'); } catch {}
  }
  process.exit(0);
});`;

/** The argument that names the supervisor in process listings. */
export const SUPERVISOR_NAME = 'rookery-group-supervisor';

type Supervisor = ChildProcessByStdio<Writable, null, null>;

let supervisor: Supervisor | null = null;
const supervised = new Set<number>();

function send(line: string, report: (error: Error) => void): void {
  if (!supervisor) {
    const child = spawn(process.execPath, ['-e', SUPERVISOR_SCRIPT, SUPERVISOR_NAME], { detached: true, env: {}, stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', (error) => report(new Error(`process executor: group supervisor: ${error.message}`, { cause: error })));
    child.stdin.on('error', (error: NodeJS.ErrnoException) => {
      // EPIPE: the supervisor is gone (someone ended it); the next group starts another
      if (error.code !== 'EPIPE') report(new Error(`process executor: pipe to the group supervisor: ${error.message}`, { cause: error }));
    });
    child.once('exit', () => {
      if (supervisor === child) supervisor = null;
    });
    // neither keeps the node process alive: the groups it supervises do that
    child.unref();
    (child.stdin as Writable & { unref?: () => void }).unref?.();
    supervisor = child;
    // a new supervisor learns every group still running (its predecessor may have died)
    for (const pgid of supervised) if (`add ${pgid}\n` !== line) child.stdin.write(`add ${pgid}\n`);
  }
  supervisor.stdin.write(line);
}

/**
 * Puts the process group `pgid` under this node process's group supervisor, started on first
 * use: one small `node` process in its own session, with an empty environment (it holds none of
 * the node's secrets), whose stdin is a pipe from the node. When the node process dies, however
 * it dies (SIGKILL, the OOM killer, a crash), the kernel closes the pipe and the supervisor
 * SIGKILLs the groups still under it. Call the returned function once the group is gone, and
 * only then: a group taken off is never signalled, so a later group that reuses the id is safe.
 *
 * @param pgid - the group, the id of its leader
 * @param report - told of an unexpected error (the supervisor cannot start, the pipe fails)
 * @returns takes the group off the supervisor
 */
export function superviseGroup(pgid: number, report: (error: Error) => void): () => void {
  supervised.add(pgid);
  send(`add ${pgid}\n`, report);
  return () => {
    if (!supervised.delete(pgid)) return;
    if (supervisor) send(`del ${pgid}\n`, report);
  };
}
