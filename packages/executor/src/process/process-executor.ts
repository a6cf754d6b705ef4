import { spawn } from 'node:child_process';
import type { Duplex } from 'node:stream';
import {
  PermanentError,
  ValidationError,
  type ExecutionContext,
  type ExecutionStart,
  type Executor,
} from '@rookery/core';
import { DEFAULT_OUTPUT_LOG_LIMITS, LineSplitter, OutputLog, TextTail, type OutputLogLimits } from './output-log.js';
import { CommandPolicy } from './command-policy.js';
import { defaultRuntimeDir, GROUP_MARK_VARIABLE, GroupRegistry, type RecordedRun } from './group-registry.js';
import { startGroupSupervisor, superviseGroup } from './group-supervisor.js';
import { cancelHeld, heldCommand, releaseHeld } from './held-start.js';
import { parseProcessPayload, type ProcessPayload } from './process-payload.js';
import { endGroup, trackGroup } from './process-group.js';

/** Options of {@link processExecutor}. */
export interface ProcessExecutorOptions {
  /** Name that schedules refer to. @defaultValue 'process' */
  name?: string;
  /**
   * After the attempt's signal aborts (timeout, cancel, lost lease, node stopping), how long the
   * process group has between SIGTERM and SIGKILL. Longer lets jobs clean up; shorter frees the
   * slot sooner. It must fit into the node's lease (see `Executor.abortGraceMs`).
   * @defaultValue 5000
   */
  killGraceMs?: number;
  /**
   * The environment every command starts from; the payload's `env` is laid over it. Pass a
   * small one to keep the node's own secrets (its database URL...) out of commands' own
   * environment; a command of the same user can still read the node's (`/proc/<pid>/environ`).
   * @defaultValue `process.env` of the node
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** How much of stdout and stderr reaches the task log. @defaultValue {@link DEFAULT_OUTPUT_LOG_LIMITS} */
  log?: Partial<OutputLogLimits>;
  /** Characters of stdout kept, from the end, in the task's result. @defaultValue 4096 */
  stdoutTailChars?: number;
  /**
   * Absolute paths of the only programs a payload's `command` may name (after `PATH` lookup
   * and symbolic links); absent or null allows every program. An allowed program runs with the
   * `args` and `env` a schedule gives it: allowing an interpreter (`node`, `python3`, `sh`)
   * allows everything. @defaultValue null
   */
  allowCommands?: readonly string[] | null;
  /** Whether payloads may set `shell: true`; a shell runs anything, whatever `allowCommands` says. @defaultValue false */
  allowShell?: boolean;
  /**
   * Where this host's registry of running process groups lives (one file per run, this user
   * only): before a task's command starts, a run of the same task left there by a node process
   * that died is ended. Null turns the registry off.
   * @defaultValue `$XDG_RUNTIME_DIR/rookery-process`, else `<tmpdir>/rookery-process-<uid>`
   */
  runtimeDir?: string | null;
  /**
   * Told of unexpected errors that no attempt can carry: a process group that cannot be
   * signalled or will not go away, with the task concerned. Wire it to the node's `generalError`.
   * @defaultValue `process.emitWarning`
   */
  onError?: (error: Error, taskId: string) => void;
}

/** Result of a `process` task that exited with code 0. */
export type ProcessResult = {
  /** Always 0. */
  exitCode: number;
  /** The end of what the command wrote to stdout. */
  stdout: string;
  /** Characters of stdout cut before `stdout`. */
  stdoutCutChars: number;
};

/**
 * A command exited with a code other than 0, or was ended by a signal: the attempt fails and
 * the schedule's retry policy decides what comes next.
 */
export class ProcessExitError extends Error {
  /** The exit code, or null when a signal ended the process. */
  readonly exitCode: number | null;
  /** The signal that ended the process, or null. */
  readonly signal: NodeJS.Signals | null;
  /** The end of what the command wrote to stderr. */
  readonly stderrTail: string;

  /**
   * @param command - the command, for the message
   * @param exitCode - its exit code, or null
   * @param signal - the signal that ended it, or null
   * @param stderrTail - the end of its stderr
   */
  constructor(command: string, exitCode: number | null, signal: NodeJS.Signals | null, stderrTail: string) {
    const how = exitCode !== null ? `exited with code ${exitCode}` : `was ended by ${signal ?? 'an unknown signal'}`;
    super(`command '${command}' ${how}${stderrTail.trim() ? `; stderr ends: ${stderrTail.trim()}` : ''}`);
    this.name = 'ProcessExitError';
    this.exitCode = exitCode;
    this.signal = signal;
    this.stderrTail = stderrTail;
  }
}

/** Characters of stderr carried in a {@link ProcessExitError}. */
const STDERR_TAIL_CHARS = 1_000;

function limit(field: string, value: number, min: number): number {
  if (!Number.isSafeInteger(value) || value < min)
    throw new ValidationError(field, `must be an integer ≥ ${min}, got ${value}`);
  return value;
}

/**
 * The child-process executor: runs the payload's `command` with `args` (no shell unless
 * `shell: true`), in its own process group, with the task's identity in `ROOKERY_TASK_ID`,
 * `ROOKERY_SCHEDULE_ID` (left out for a job), `ROOKERY_FIRE_AT`, `ROOKERY_ATTEMPT` and `ROOKERY_FENCE`. Exit code 0
 * completes the attempt with a {@link ProcessResult}; another code or a signal fails it with a
 * {@link ProcessExitError}. A payload that is not `{ command, args?, env?, cwd?, shell? }`
 * fails it for good: a `PermanentError` whose `cause` is the `ValidationError` naming the field.
 * `validate` checks the payload's shape and that it can start on this node: the command is an
 * executable file (looked up on `PATH` unless `shell`) and `cwd` a directory.
 *
 * stdout and stderr (lines prefixed `[stderr] `) go to the task log line by line, bounded (see
 * {@link OutputLogLimits}). When the attempt's signal aborts, the whole group gets SIGTERM,
 * then SIGKILL after `killGraceMs`, and `start` settles only once the group is gone
 * (`settlesAfterAbort`; the node fits `abortGraceMs`, the kill grace + {@link ABORT_SLACK_MS},
 * into its trust window). When the command exits, whatever it left running in its group
 * (background children) is ended the same way: no process outlives its attempt. If the node
 * process dies first, however it dies, its group supervisor (one small process on a pipe from
 * the node, started with the executor) SIGKILLs the group, and on Linux the registry in
 * `runtimeDir` lets the next run of the task on this host end a run left behind. The command
 * starts held (a `/bin/sh` waiting on a pipe from the node, which then `exec`s it): it runs only
 * once its group is announced to the supervisor and recorded, so a node that dies in between
 * leaves nothing running; the program is looked up on `PATH` first, so a missing one fails the
 * attempt with `cannot start command`. `allowCommands` limits the programs run, and
 * `shell: true` is refused unless `allowShell`: commands run as the node's user and can read
 * whatever it can, its environment included. POSIX only (process groups).
 *
 * @param options - see {@link ProcessExecutorOptions}
 * @throws ValidationError naming `killGraceMs`, `stdoutTailChars`, `log.<limit>` or `allowCommands[i]` (not an absolute path)
 * @example
 * ```ts
 * const node = new RookeryNode({ datastore, events, pool, executors: [processExecutor()] });
 * await client.createSchedule({
 *   name: 'nightly-backup', executor: 'process',
 *   payload: { command: 'pg_dump', args: ['--file', '/backups/app.sql', 'app'] },
 *   trigger: { kind: 'cron', expr: '0 2 * * *', tz: 'UTC' },
 *   policies: { timeoutMs: 3_600_000 },
 * });
 * ```
 */
export function processExecutor(options: ProcessExecutorOptions = {}): Executor {
  const graceMs = limit('killGraceMs', options.killGraceMs ?? 5_000, 0);
  const tailChars = limit('stdoutTailChars', options.stdoutTailChars ?? 4_096, 0);
  const limits = { ...DEFAULT_OUTPUT_LOG_LIMITS, ...options.log };
  limit('log.headLines', limits.headLines, 0);
  limit('log.tailLines', limits.tailLines, 0);
  limit('log.maxLineLength', limits.maxLineLength, 1);
  const report = options.onError ?? ((error: Error) => process.emitWarning(error));
  const policy = new CommandPolicy({
    allowCommands: options.allowCommands ?? null,
    allowShell: options.allowShell ?? false,
  });
  const runtimeDir = options.runtimeDir === undefined ? defaultRuntimeDir() : options.runtimeDir;
  const registry = runtimeDir === null ? null : new GroupRegistry(runtimeDir);
  const env = options.env ?? process.env;
  // running before the first command, so that announcing a group is one write on its pipe
  startGroupSupervisor();
  return {
    name: options.name ?? 'process',
    settlesAfterAbort: true,
    abortGraceMs: graceMs + ABORT_SLACK_MS,
    validate: async (payload) => {
      await policy.validate(parseProcessPayload(payload), env);
    },
    start: async (ctx) => {
      let payload: ProcessPayload;
      let command: string;
      try {
        payload = parseProcessPayload(ctx.payload);
        command = await policy.command(payload, env);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        throw new PermanentError(`invalid process payload: ${error.message}`, { cause: error });
      }
      ctx.signal.throwIfAborted();
      if (registry) {
        // A run of this task that a dead node process left on this host ends before this one starts.
        await registry.endStale(ctx.task.id).catch((error: unknown) =>
          report(
            new Error(`process executor: cannot check for a stale run of task ${ctx.task.id}: ${String(error)}`, {
              cause: error,
            }),
            ctx.task.id,
          ),
        );
        ctx.signal.throwIfAborted();
      }
      return run(ctx, payload, command, {
        graceMs,
        tailChars,
        limits,
        env,
        report,
        recorded: registry?.run(ctx.task.id) ?? null,
      });
    },
  };
}

/**
 * Time allowed past the kill grace for a group to be gone after SIGKILL (reaped, and seen gone
 * by a check every 50 ms): the executor's `abortGraceMs` is the kill grace plus this.
 */
export const ABORT_SLACK_MS = 500;

interface RunSettings {
  graceMs: number;
  tailChars: number;
  limits: OutputLogLimits;
  env: Readonly<Record<string, string | undefined>>;
  report: (error: Error, taskId: string) => void;
  recorded: RecordedRun | null;
}

function run(ctx: ExecutionContext, payload: ProcessPayload, program: string, s: RunSettings): Promise<ExecutionStart> {
  const { task, signal } = ctx;
  return new Promise<ExecutionStart>((resolve, reject) => {
    const held = heldCommand(program, payload.args, payload.shell);
    const child = spawn(held.file, held.args, {
      cwd: payload.cwd,
      env: {
        ...s.env,
        ...payload.env,
        ROOKERY_TASK_ID: task.id,
        ...(task.scheduleId === null ? {} : { ROOKERY_SCHEDULE_ID: task.scheduleId }),
        ROOKERY_FIRE_AT: String(task.fireAt),
        ROOKERY_ATTEMPT: String(task.attempt),
        ROOKERY_FENCE: String(task.fence),
        ...(s.recorded ? { [GROUP_MARK_VARIABLE]: s.recorded.mark } : {}),
      },
      detached: true,
      // fd 3 holds the command until its group is supervised (held-start.ts)
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const pgid = child.pid;
    child.on('error', (error) => {
      if (pgid !== undefined) {
        s.report(
          new Error(`process executor: child process of task ${task.id}: ${error.message}`, { cause: error }),
          task.id,
        );
        return;
      }
      // spawn failed (no such command or cwd, no permission): nothing runs
      const where = payload.cwd === undefined ? '' : ` in ${payload.cwd}`;
      reject(new Error(`cannot start command '${payload.command}'${where}: ${error.message}`, { cause: error }));
    });
    if (pgid === undefined) return;
    const untrack = trackGroup(pgid, () => s.recorded?.forgetNow());
    const fail = (what: string) => (error: unknown) =>
      s.report(new Error(`process executor: ${what} of task ${task.id}: ${String(error)}`, { cause: error }), task.id);
    const hold = child.stdio[3] as Duplex;
    // nothing comes back on it but its end, read so that the pipe closes
    hold.resume();
    hold.on('error', (error: NodeJS.ErrnoException) => {
      // the held shell is gone already (killed, or aborted meanwhile): its exit settles the attempt
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') fail('hold pipe')(error);
    });
    const supervised = superviseGroup(pgid, fail('group supervisor'));
    const recording = s.recorded?.started(pgid).catch(fail('cannot record process group'));
    // The command runs only once a node process that dies from now on leaves nothing of it
    // running: its group is announced to the supervisor and recorded in this host's registry.
    let refused: Error | null = null;
    void Promise.all([supervised.announced, recording]).then(
      () => (signal.aborted ? cancelHeld(hold) : releaseHeld(hold)),
      (error: unknown) => {
        refused = error instanceof Error ? error : new Error(String(error));
        cancelHeld(hold);
      },
    );
    const log = new OutputLog((line) => ctx.log(line), s.limits);
    const outLines = new LineSplitter(log, '');
    const errLines = new LineSplitter(log, '[stderr] ');
    const stdout = new TextTail(s.tailChars);
    const stderr = new TextTail(STDERR_TAIL_CHARS);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      outLines.write(chunk);
      stdout.write(chunk);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      errLines.write(chunk);
      stderr.write(chunk);
    });

    let ending: Promise<void> | null = null;
    const end = (): Promise<void> =>
      (ending ??= endGroup(pgid, s.graceMs).catch((error: unknown) =>
        s.report(
          new Error(`process executor: cannot end process group ${pgid} of task ${task.id}: ${String(error)}`, {
            cause: error,
          }),
          task.id,
        ),
      ));
    const flushLog = (): void => {
      outLines.end();
      errLines.end();
      log.end();
    };
    // On abort the output so far (the kept tail too) goes to the log at once, while the node
    // still stores it; what the group writes during its grace is sent when it is gone.
    const onAbort = (): void => {
      flushLog();
      void end();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    // The leader is gone: whatever it left in its group (holding stdout open, perhaps) goes too.
    child.once('exit', () => void end());
    child.once('close', (exitCode: number | null, exitSignal: NodeJS.Signals | null) => {
      signal.removeEventListener('abort', onAbort);
      flushLog();
      // settles even if onError throws (that rejection then surfaces as unhandled, a bug to see)
      void end()
        .then(async () => {
          supervised.release();
          await recording;
          await s.recorded?.forget().catch(fail('cannot forget process group'));
        })
        .finally(() => {
          untrack();
          if (signal.aborted) reject(signal.reason);
          else if (refused) reject(refused);
          else if (exitCode === 0) {
            const out = stdout.read();
            const result: ProcessResult = { exitCode, stdout: out.text, stdoutCutChars: out.cutChars };
            resolve({ kind: 'done', result });
          } else reject(new ProcessExitError(payload.command, exitCode, exitSignal, stderr.read().text));
        });
    });
  });
}
