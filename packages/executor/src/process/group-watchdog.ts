import { spawn } from 'node:child_process';

/**
 * The watchdog's shell script: it reads one line from its stdin, a pipe from the node. The node
 * writes `release` once the group is gone; any other end of the pipe (the node died: SIGKILL,
 * the OOM killer, a crash) makes it SIGKILL the group given as `$1`.
 */
const WATCHDOG_SCRIPT = 'read -r word; [ "$word" = release ] || kill -s KILL -- "-$1" 2>/dev/null';

/** A running watchdog of one process group. */
export interface GroupWatchdog {
  /** Tells the watchdog the group is gone: it exits without signalling anything. */
  release(): void;
}

/**
 * Starts a watchdog that ends the process group `pgid` if the node process dies while the group
 * runs, whatever kills the node: a `/bin/sh` in its own session, with an empty environment (it
 * holds none of the node's secrets), whose stdin is a pipe from the node. The kernel closes that
 * pipe when the node dies, and the watchdog then sends SIGKILL to the group. Call
 * {@link GroupWatchdog.release} once the group is gone, and only then: a released watchdog
 * never signals, so a later group that reuses the id is safe.
 *
 * @param pgid - the group, the id of its leader
 * @param report - told of an unexpected error (the shell cannot start, the pipe fails)
 */
export function watchGroup(pgid: number, report: (error: Error) => void): GroupWatchdog {
  const watchdog = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'rookery-watchdog', String(pgid)], {
    detached: true,
    env: {},
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.on('error', (error) => report(new Error(`process executor: watchdog of process group ${pgid}: ${error.message}`, { cause: error })));
  watchdog.stdin.on('error', (error: NodeJS.ErrnoException) => {
    // EPIPE: the watchdog is gone already (someone ended it); there is nothing left to release
    if (error.code !== 'EPIPE') report(new Error(`process executor: pipe to the watchdog of process group ${pgid}: ${error.message}`, { cause: error }));
  });
  return {
    release: () => {
      if (watchdog.stdin.writable) watchdog.stdin.end('release\n');
    },
  };
}
