import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** Clock ticks per second of /proc's CPU times (`getconf CLK_TCK`, read once). */
function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  if (!Number.isFinite(ticksPerSecond) || ticksPerSecond <= 0) throw new Error(`getconf CLK_TCK gave no tick rate`);
  return ticksPerSecond;
}

/**
 * CPU time process `pid` has used so far, user plus system, in ms, from fields 14 and 15 of
 * `/proc/<pid>/stat`; undefined when the process is gone.
 */
export function cpuMs(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ESRCH')
      return undefined;
    throw error;
  }
  // The command name (field 2) is in parentheses and may hold spaces: count from its end.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / clockTicks();
}

/**
 * Peak resident set size of process `pid` so far (`VmHWM` of `/proc/<pid>/status`), in bytes;
 * undefined when the process is gone.
 */
export function peakRssBytes(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ESRCH')
      return undefined;
    throw error;
  }
  const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(text);
  if (!match?.[1]) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** Pids of the processes whose command name (`/proc/<pid>/comm`) is one of `names`. */
export function pidsNamed(names: readonly string[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let comm: string;
    try {
      comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
    } catch (error) {
      // The process ended between the listing and the read.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ESRCH')
        continue;
      throw error;
    }
    if (names.includes(comm)) pids.push(Number(entry));
  }
  return pids;
}

/** CPU ms of a set of processes, by pid, as read at one instant. */
export type CpuSnapshot = Map<number, number>;

/** Reads the CPU ms of every process in `pids` that is still there. */
export function cpuSnapshot(pids: readonly number[]): CpuSnapshot {
  const snapshot: CpuSnapshot = new Map();
  for (const pid of pids) {
    const ms = cpuMs(pid);
    if (ms !== undefined) snapshot.set(pid, ms);
  }
  return snapshot;
}

/**
 * CPU ms used between two snapshots: the growth of each process in both, plus the whole time
 * of each process that appeared since `before` (it started in between). Processes that ended
 * in between are missing from `after`; their last share is lost, so the figure is a lower bound.
 */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}
