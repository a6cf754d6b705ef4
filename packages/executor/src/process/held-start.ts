import type { Duplex } from 'node:stream';

/**
 * The shell script every command starts under: it waits for the line `run` on file descriptor
 * 3, a pipe from the node, then closes it and replaces itself (`exec`, same pid, so the same
 * process group leader) with the command. End of file instead (the node process died before it
 * let the command run, or the attempt was aborted meanwhile) ends it without running anything.
 * Plain POSIX `sh`: the same on Linux and macOS.
 */
const HOLD_SCRIPT = 'IFS= read -r go <&3 && [ "$go" = run ] || exit 125; exec 3<&-; exec "$@"';

/** `$0` of the held shell, naming it in process listings until it becomes the command. */
export const HELD_NAME = 'rookery-held-command';

/** The shell that runs the held script, and the one that runs `shell: true` command lines. */
export const SHELL = '/bin/sh';

/**
 * The program and arguments that start `command` held (see {@link releaseHeld}): the held
 * shell, then the command itself, or for a shell command line `/bin/sh -c <line>`.
 *
 * @param command - the program (an absolute path), or with `shell` a whole command line
 * @param args - the program's arguments (empty with `shell`)
 * @param shell - whether `command` is a shell command line
 */
export function heldCommand(
  command: string,
  args: readonly string[],
  shell: boolean,
): { file: string; args: string[] } {
  const target = shell ? [SHELL, '-c', command] : [command, ...args];
  return { file: SHELL, args: ['-c', HOLD_SCRIPT, HELD_NAME, ...target] };
}

/**
 * Lets a held command run: writes `run` on its hold pipe (the child's file descriptor 3) and
 * closes the node's end. Call it only once the command's group is supervised.
 *
 * @param hold - the node's end of the hold pipe (`child.stdio[3]`)
 */
export function releaseHeld(hold: Duplex): void {
  hold.end('run\n');
}

/**
 * Makes sure a held command never runs: closes the node's end of its hold pipe without a word,
 * so the held shell reads end of file and exits (status 125).
 *
 * @param hold - the node's end of the hold pipe (`child.stdio[3]`)
 */
export function cancelHeld(hold: Duplex): void {
  hold.destroy();
}
