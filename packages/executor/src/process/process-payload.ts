import { ValidationError, type Json } from '@rookery/core';

/** The payload of a `process` task, checked and with defaults filled in. */
export interface ProcessPayload {
  /** The program to run (looked up on `PATH`), or with `shell` a whole shell command line. */
  command: string;
  /** Arguments, passed to the program as they are: no shell, no globbing, no quoting. */
  args: string[];
  /** Variables added to (or replacing those of) the executor's base environment. */
  env: Record<string, string>;
  /** Working directory; the node's own when absent. */
  cwd: string | undefined;
  /** Run `command` through `/bin/sh -c` (metacharacters take effect). */
  shell: boolean;
}

const FIELDS = new Set(['command', 'args', 'env', 'cwd', 'shell']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}

function text(field: string, value: unknown, what: string): string {
  if (typeof value !== 'string') throw new ValidationError(field, `${what} must be a string, got ${describe(value)}`);
  if (value.includes('\u0000')) throw new ValidationError(field, `${what} must not contain a NUL character`);
  return value;
}

/**
 * Checks the payload of a `process` task: `{ command, args?, env?, cwd?, shell? }`. Unknown
 * fields are refused, so a typo (`arg` for `args`) is not silently ignored.
 *
 * @param payload - the schedule's payload
 * @returns the payload with defaults (`args: []`, `env: {}`, `shell: false`)
 * @throws ValidationError naming the field, such as `payload.command` or `payload.args[2]`
 * @example
 * ```ts
 * parseProcessPayload({ command: 'pg_dump', args: ['-f', '/backups/db.sql'] });
 * ```
 */
export function parseProcessPayload(payload: Json): ProcessPayload {
  if (!isObject(payload)) {
    throw new ValidationError(
      'payload',
      `must be an object { command, args?, env?, cwd?, shell? }, got ${describe(payload)}`,
    );
  }
  for (const key of Object.keys(payload)) {
    if (!FIELDS.has(key))
      throw new ValidationError(`payload.${key}`, 'unknown field (expected command, args, env, cwd, shell)');
  }
  const command = text('payload.command', payload.command, 'the command');
  if (!command.trim()) throw new ValidationError('payload.command', 'must not be empty');

  const shell = payload.shell ?? false;
  if (typeof shell !== 'boolean')
    throw new ValidationError('payload.shell', `must be true or false, got ${describe(shell)}`);

  const rawArgs = payload.args ?? [];
  if (!Array.isArray(rawArgs))
    throw new ValidationError('payload.args', `must be an array of strings, got ${describe(rawArgs)}`);
  if (shell && rawArgs.length > 0) {
    throw new ValidationError(
      'payload.args',
      'must be empty when shell is true: write the whole command line in command',
    );
  }
  const args = rawArgs.map((arg, i) => text(`payload.args[${i}]`, arg, 'an argument'));

  const rawEnv = payload.env ?? {};
  if (!isObject(rawEnv))
    throw new ValidationError('payload.env', `must be an object of strings, got ${describe(rawEnv)}`);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(rawEnv)) {
    if (!name || name.includes('=') || name.includes('\u0000')) {
      throw new ValidationError(`payload.env.${name}`, 'a variable name must be non-empty, without = or NUL');
    }
    env[name] = text(`payload.env.${name}`, value, 'a variable value');
  }

  let cwd: string | undefined;
  if (payload.cwd !== undefined) {
    cwd = text('payload.cwd', payload.cwd, 'the working directory');
    if (!cwd) throw new ValidationError('payload.cwd', 'must not be empty (leave it out for the node’s own)');
  }
  return { command, args, env, cwd, shell };
}
