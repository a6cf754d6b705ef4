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
/** Why the last supervisor could not start or its pipe failed, for the announcements that fail. */
let failure: Error | null = null;

/**
 * The node process's group supervisor, started if there is none (the first `process` executor
 * created, or a supervisor that died): a new one is told every group still supervised. Its
 * errors reach the writes on its pipe, so each announcement or withdrawal that fails says why.
 */
function running(): Supervisor {
  if (supervisor) return supervisor;
  const child = spawn(process.execPath, ['-e', SUPERVISOR_SCRIPT, SUPERVISOR_NAME], {
    detached: true,
    env: {},
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  const broken = (error: Error): void => {
    // the next group starts another supervisor
    if (supervisor === child) supervisor = null;
    failure = error;
  };
  child.on('error', broken);
  child.stdin.on('error', broken);
  child.once('exit', () => {
    if (supervisor === child) supervisor = null;
  });
  // neither keeps the node process alive: the groups it supervises do that
  child.unref();
  (child.stdin as Writable & { unref?: () => void }).unref?.();
  supervisor = child;
  failure = null;
  for (const pgid of supervised) child.stdin.write(`add ${pgid}\n`);
  return child;
}

/**
 * Starts this node process's group supervisor now, if it is not running: one small `node`
 * process in its own session, with an empty environment (it holds none of the node's
 * secrets), whose stdin is a pipe from the node. The `process` executor starts it when it is
 * created, so that announcing a group is a write on a pipe that is already there.
 */
export function startGroupSupervisor(): void {
  running();
}

/** A process group under the node process's group supervisor. */
export interface SupervisedGroup {
  /**
   * Resolves once the supervisor's pipe holds the announcement (the kernel has it: a node
   * process that dies from then on still has its group SIGKILLed); rejects if it cannot be
   * written (the supervisor could not start or is gone), and then the group is not supervised.
   */
  announced: Promise<void>;
  /** Takes the group off the supervisor: call it once the group is gone, and only then. */
  release(): void;
}

function cause(error: Error): Error {
  return failure && failure !== error ? new Error(`${error.message} (${failure.message})`, { cause: failure }) : error;
}

/**
 * Puts the process group `pgid` under this node process's group supervisor (started if need
 * be, see {@link startGroupSupervisor}). When the node process dies, however it dies (SIGKILL,
 * the OOM killer, a crash), the kernel closes the pipe and the supervisor SIGKILLs the groups
 * still under it. Nothing of the group should run a task's command before `announced`
 * resolves. `release` once the group is gone, and only then: a group taken off is never
 * signalled, so a later group that reuses the id is safe.
 *
 * @param pgid - the group, the id of its leader
 * @param report - told if the group cannot be taken off (the pipe fails otherwise than by the supervisor being gone)
 */
export function superviseGroup(pgid: number, report: (error: Error) => void): SupervisedGroup {
  // a supervisor started here is told every group supervised before this one, then this one
  const to = running();
  supervised.add(pgid);
  const announced = new Promise<void>((resolve, reject) => {
    to.stdin.write(`add ${pgid}\n`, (error?: Error | null) => {
      if (error)
        reject(
          new Error(`cannot announce process group ${pgid} to the group supervisor: ${cause(error).message}`, {
            cause: cause(error),
          }),
        );
      else resolve();
    });
  });
  return {
    announced,
    release: () => {
      if (!supervised.delete(pgid)) return;
      supervisor?.stdin.write(`del ${pgid}\n`, (error?: Error | null) => {
        // EPIPE: the supervisor is gone, and with it what it knew of the group
        if (error && (error as NodeJS.ErrnoException).code !== 'EPIPE')
          report(
            new Error(`cannot take process group ${pgid} off the group supervisor: ${error.message}`, { cause: error }),
          );
      });
    },
  };
}
