import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { ValidationError } from '@rookery/core';
import type { ProcessPayload } from './process-payload.js';

/** True when `path` is a regular file this process may execute. */
async function isExecutableFile(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch (error) {
    if (isMissingOrDenied(error)) return false;
    throw error;
  }
}

function isMissingOrDenied(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'ELOOP' || code === 'ENAMETOOLONG';
}

/**
 * Checks that a `process` payload can start on this node, as the executor would start it:
 * `cwd`, when given, is a directory, and, unless `shell` is set (a command line is the
 * shell's business), `command` is an executable file: a path with a `/` resolved against the
 * working directory, a bare name looked up on the `PATH` the command would get (the payload's
 * `env.PATH`, else the executor's base environment's).
 *
 * @param payload - a payload parsed by `parseProcessPayload`
 * @param baseEnv - the executor's base environment
 * @returns the absolute path of the program, or null with `shell`
 * @throws ValidationError on `payload.cwd` or `payload.command`
 */
export async function checkProcessPayload(
  payload: ProcessPayload,
  baseEnv: Readonly<Record<string, string | undefined>>,
): Promise<string | null> {
  const cwd = resolve(payload.cwd ?? process.cwd());
  if (payload.cwd !== undefined) {
    const dir = await stat(cwd).catch((error: unknown) => {
      if (isMissingOrDenied(error)) return undefined;
      throw error;
    });
    if (!dir?.isDirectory())
      throw new ValidationError('payload.cwd', `'${payload.cwd}' is not a directory on this node`);
  }
  if (payload.shell) return null;
  const { command } = payload;
  if (command.includes('/')) {
    const path = isAbsolute(command) ? command : resolve(cwd, command);
    if (!(await isExecutableFile(path)))
      throw new ValidationError('payload.command', `'${command}' is not an executable file on this node`);
    return path;
  }
  const searchPath = payload.env['PATH'] ?? baseEnv['PATH'] ?? '';
  for (const dir of searchPath.split(delimiter)) {
    const path = join(resolve(cwd, dir), command);
    if (dir !== '' && (await isExecutableFile(path))) return path;
  }
  throw new ValidationError(
    'payload.command',
    `'${command}' was not found on this node's PATH (${searchPath || 'empty'})`,
  );
}
