import { createHash, randomUUID } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signalGroup } from './process-group.js';

/**
 * The variable every process of a `process` task inherits, holding a mark unique to that run:
 * it tells that run's processes apart from unrelated ones that reuse their ids.
 */
export const GROUP_MARK_VARIABLE = 'ROOKERY_PROCESS_MARK';

/** How often the processes of a stale run are looked for while they are being ended. */
const POLL_MS = 50;

/** How long the processes of a stale run may take to go after SIGKILL before it is reported. */
const GONE_WITHIN_MS = 10_000;

/** One run recorded in the registry. */
interface Entry {
  taskId: string;
  pgid: number;
  /** The leader's start time (`/proc/<pid>/stat` field 22), or null if it had exited already. */
  startTime: string | null;
  mark: string;
}

/** A run of a command, recorded until its group is gone. */
export interface RecordedRun {
  /** The value of {@link GROUP_MARK_VARIABLE} for the run's processes. */
  mark: string;
  /** Records the run's group, once it started. */
  started(pgid: number): Promise<void>;
  /** Forgets the run, once its group is gone. */
  forget(): Promise<void>;
  /** Forgets the run at once, for an `exit` handler (errors are ignored: the process is ending). */
  forgetNow(): void;
}

/**
 * The default runtime directory of the registry: `$XDG_RUNTIME_DIR/rookery-process`, else
 * `<tmpdir>/rookery-process-<uid>`.
 */
export function defaultRuntimeDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const runtime = env['XDG_RUNTIME_DIR'];
  return runtime ? join(runtime, 'rookery-process') : join(tmpdir(), `rookery-process-${process.getuid?.() ?? 'user'}`);
}

/** Fields after the command name of `/proc/<pid>/stat`, or null if the process is gone. */
async function statFields(pid: number): Promise<string[] | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch (error) {
    if (isGone(error)) return null;
    throw error;
  }
}

/** Start time of a process (`/proc/<pid>/stat` field 22), or null if it is gone or not readable. */
async function startTimeOf(pid: number): Promise<string | null> {
  return (await statFields(pid))?.[19] ?? null;
}

function isGone(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ESRCH' || code === 'EACCES' || code === 'EPERM';
}

/** Ids of the processes (of this user) whose environment carries `mark`. */
async function markedProcesses(mark: string): Promise<number[]> {
  const needle = `\u0000${GROUP_MARK_VARIABLE}=${mark}\u0000`;
  const marked: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const environ = await readFile(`/proc/${name}/environ`, 'latin1');
      if (`\u0000${environ}`.includes(needle)) marked.push(Number(name));
    } catch (error) {
      if (!isGone(error)) throw error;
    }
  }
  return marked;
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ESRCH') throw error;
  }
}

/**
 * Ends what is left of one recorded run: the group, if its leader is still the process that was
 * recorded (same start time), and every process that carries the run's mark (in the group or
 * one that left it). Resolves once none is left.
 */
async function endRun(entry: Entry): Promise<number> {
  let ended = 0;
  if (
    entry.startTime !== null &&
    (await startTimeOf(entry.pgid)) === entry.startTime &&
    signalGroup(entry.pgid, 'SIGKILL')
  )
    ended += 1;
  for (let waited = 0; ; waited += POLL_MS) {
    const left = await markedProcesses(entry.mark);
    if (left.length === 0) return ended;
    if (waited >= GONE_WITHIN_MS)
      throw new Error(
        `processes ${left.join(', ')} of a stale run of task ${entry.taskId} are still there ${GONE_WITHIN_MS} ms after SIGKILL`,
      );
    if (waited === 0) ended += left.length;
    for (const pid of left) kill(pid);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * A per-host registry of the process groups of `process` tasks, one file per run in a runtime
 * directory of this user (mode 0700): task id, group id, the leader's start time and the run's
 * mark. A node that starts a task's command first ends a run of the same task that another
 * node process on this host left behind (a node killed while its group supervisor could not act), so
 * that a repaired task never runs beside its stale self here. A process is only ended when it
 * is verified to belong to the run: by the leader's start time in `/proc`, or by the run's mark
 * in its environment; an id reused by an unrelated process is left alone. Linux only (`/proc`);
 * elsewhere nothing is verified and nothing is ended. Across hosts it cannot help: there the
 * fence is the guard.
 */
export class GroupRegistry {
  #ready: Promise<void> | null = null;

  /** @param dir - the runtime directory; created (0700) when first needed */
  constructor(readonly dir: string) {}

  /**
   * Ends every run of `taskId` recorded on this host (call it only while holding the task's
   * new lease: any earlier run has lost its own), and forgets them.
   *
   * @returns how many processes or groups were ended
   * @throws if the directory is not this user's, or a stale run will not go away
   */
  async endStale(taskId: string): Promise<number> {
    await this.#prepare();
    const prefix = `${hashOf(taskId)}.`;
    let ended = 0;
    for (const name of await readdir(this.dir)) {
      if (!name.startsWith(prefix) || name.endsWith('.tmp')) continue;
      const path = join(this.dir, name);
      let entry: Entry;
      try {
        entry = JSON.parse(await readFile(path, 'utf8')) as Entry;
      } catch (error) {
        if (isGone(error)) continue; // forgotten meanwhile by its own run
        throw error;
      }
      if (entry.taskId !== taskId) continue;
      if (process.platform === 'linux') ended += await endRun(entry);
      await unlink(path).catch((error: unknown) => {
        if (!isGone(error)) throw error;
      });
    }
    return ended;
  }

  /** A new run of `taskId`: give its processes the returned mark, then record and forget it. */
  run(taskId: string): RecordedRun {
    const mark = randomUUID();
    const path = join(this.dir, `${hashOf(taskId)}.${mark}`);
    return {
      mark,
      started: async (pgid) => {
        await this.#prepare();
        const entry: Entry = {
          taskId,
          pgid,
          startTime: process.platform === 'linux' ? await startTimeOf(pgid) : null,
          mark,
        };
        await writeFile(`${path}.tmp`, JSON.stringify(entry), { mode: 0o600 });
        await rename(`${path}.tmp`, path);
      },
      forgetNow: () => {
        for (const file of [path, `${path}.tmp`]) {
          try {
            unlinkSync(file);
          } catch {
            // missing, or the process is ending anyway: the next run of the task cleans up
          }
        }
      },
      forget: async () => {
        for (const file of [path, `${path}.tmp`]) {
          await unlink(file).catch((error: unknown) => {
            if (!isGone(error)) throw error;
          });
        }
      },
    };
  }

  #prepare(): Promise<void> {
    this.#ready ??= (async () => {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const dir = await lstat(this.dir);
      const uid = process.getuid?.();
      if (!dir.isDirectory() || (uid !== undefined && dir.uid !== uid) || (dir.mode & 0o077) !== 0) {
        throw new Error(
          `process executor: runtime directory ${this.dir} must be a directory of this user with mode 0700`,
        );
      }
    })().catch((error: unknown) => {
      this.#ready = null;
      throw error;
    });
    return this.#ready;
  }
}

function hashOf(taskId: string): string {
  return createHash('sha256').update(taskId).digest('hex').slice(0, 32);
}
