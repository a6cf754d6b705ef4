import { realpath } from 'node:fs/promises';
import { ValidationError } from '@rookery/core';
import { checkProcessPayload } from './process-check.js';
import type { ProcessPayload } from './process-payload.js';

/** Which commands a `process` executor runs. */
export interface CommandPolicyOptions {
  /**
   * Absolute paths of the only programs a payload's `command` may name (after `PATH` lookup
   * and symbolic links); null or absent allows every program. An allowed program runs with
   * whatever `args` and `env` a schedule gives it: an interpreter (`node`, `python3`, `sh`)
   * takes code in its arguments, so allowing one allows everything.
   */
  allowCommands?: readonly string[] | null;
  /** Whether a payload may set `shell: true` (a shell runs anything, the allow-list aside). */
  allowShell: boolean;
}

/**
 * Checks payloads against the executor's policy: `shell: true` only when allowed, and a
 * command on the allow-list, if there is one.
 */
export class CommandPolicy {
  readonly #allowShell: boolean;
  readonly #allowed: Promise<Set<string>> | null;

  /** @throws ValidationError naming `allowCommands[i]` for a path that is not absolute */
  constructor(options: CommandPolicyOptions) {
    this.#allowShell = options.allowShell;
    const list = options.allowCommands ?? null;
    list?.forEach((path, i) => {
      if (!path.startsWith('/'))
        throw new ValidationError(`allowCommands[${i}]`, `must be an absolute path, got '${path}'`);
    });
    this.#allowed =
      list === null
        ? null
        : Promise.all(list.map((path) => realpath(path).catch(() => path))).then((paths) => new Set(paths));
    // an unreadable entry is kept as written (it then matches nothing that exists)
    this.#allowed?.catch(() => undefined);
  }

  /**
   * Checks that the payload can start on this node and is allowed to (an executor's `validate`).
   *
   * @throws ValidationError on `payload.shell`, `payload.command` or `payload.cwd`
   */
  async validate(payload: ProcessPayload, baseEnv: Readonly<Record<string, string | undefined>>): Promise<void> {
    this.#checkShell(payload);
    await this.#checkAllowed(payload, await checkProcessPayload(payload, baseEnv));
  }

  /**
   * The program to start for an attempt: its absolute path as looked up on this node (so the
   * program checked is the program run), or with `shell` the payload's command line.
   *
   * @throws ValidationError on `payload.shell` or `payload.command` when the policy refuses it;
   * a plain Error (the attempt may be retried, on this node or another) when the command or
   * `cwd` cannot be found here
   */
  async command(payload: ProcessPayload, baseEnv: Readonly<Record<string, string | undefined>>): Promise<string> {
    this.#checkShell(payload);
    if (payload.shell) return payload.command;
    let path: string | null;
    try {
      path = await checkProcessPayload(payload, baseEnv);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      throw new Error(`cannot start command '${payload.command}': ${error.message}`, { cause: error });
    }
    await this.#checkAllowed(payload, path);
    return path ?? payload.command;
  }

  #checkShell(payload: ProcessPayload): void {
    if (payload.shell && !this.#allowShell) {
      throw new ValidationError(
        'payload.shell',
        "shell commands are not allowed on this node (processExecutor's allowShell, rookery node --allow-shell)",
      );
    }
  }

  async #checkAllowed(payload: ProcessPayload, path: string | null): Promise<void> {
    if (this.#allowed === null || path === null) return;
    const real = await realpath(path);
    if (!(await this.#allowed).has(real)) {
      throw new ValidationError(
        'payload.command',
        `'${payload.command}' (${real}) is not an allowed command on this node (rookery node --allow-command)`,
      );
    }
  }
}
