import { writeSync } from 'node:fs';

/** How often a process group is checked for members while it is being ended. */
const POLL_MS = 50;

/** How long a group may linger after SIGKILL (members not yet reaped) before it is reported. */
const AFTER_KILL_MS = 10_000;

function code(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

/**
 * Sends `signal` to every process of the group `pgid` (POSIX `kill(-pgid, signal)`).
 *
 * @returns false if the group has no process left (ESRCH), true otherwise
 * @throws the system error for anything but ESRCH (EPERM: the group is not ours)
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if (code(error) === 'ESRCH') return false;
    throw error;
  }
}

/** Live groups, each with what to do (synchronously) once it is killed on exit. */
const live = new Map<number, () => void>();

function killLiveGroups(): void {
  for (const [pgid, afterKill] of live) {
    try {
      process.kill(-pgid, 'SIGKILL');
      afterKill();
    } catch (error) {
      // ESRCH is the goal; anything else is told on stderr, the one channel left while exiting
      if (code(error) !== 'ESRCH')
        writeSync(2, `rookery: cannot kill process group ${pgid} on exit: ${String(error)}\n`);
    }
  }
}

/**
 * Remembers a process group until the returned function is called: if the node process exits
 * (`process.exit`, or an uncaught exception) while the group lives, the group gets SIGKILL
 * from the `exit` handler. A node ended by a signal it cannot handle (SIGKILL, the OOM killer)
 * runs no handler: the group supervisor (`superviseGroup`) covers that.
 *
 * @param pgid - the group, the id of its leader
 * @param afterKill - run, synchronously, once the `exit` handler has killed the group
 * @returns forgets the group
 */
export function trackGroup(pgid: number, afterKill: () => void = () => undefined): () => void {
  if (live.size === 0) process.on('exit', killLiveGroups);
  live.set(pgid, afterKill);
  return () => {
    if (!live.delete(pgid)) return;
    if (live.size === 0) process.off('exit', killLiveGroups);
  };
}

/** Process groups this module would kill on exit (for tests). */
export function trackedGroups(): number {
  return live.size;
}

/**
 * Ends a process group: SIGTERM to all of it, SIGKILL after `graceMs` to whatever is left, and
 * resolves once no process of the group remains (checked every 50 ms).
 *
 * @param pgid - the group, the id of its leader
 * @param graceMs - how long the group may take to exit after SIGTERM
 * @throws if a signal cannot be sent (EPERM), or if the group is still there 10 s after SIGKILL
 */
export async function endGroup(pgid: number, graceMs: number): Promise<void> {
  if (!signalGroup(pgid, 'SIGTERM')) return;
  if (await goneWithin(pgid, graceMs)) return;
  if (!signalGroup(pgid, 'SIGKILL')) return;
  if (await goneWithin(pgid, AFTER_KILL_MS)) return;
  throw new Error(`process group ${pgid} still has processes ${AFTER_KILL_MS} ms after SIGKILL (unreaped zombies?)`);
}

async function goneWithin(pgid: number, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += POLL_MS) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, ms - waited)));
    if (!signalGroup(pgid, 0)) return true;
  }
  return !signalGroup(pgid, 0);
}
