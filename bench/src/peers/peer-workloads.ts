import type { BenchOptions } from '../options.js';
import { cronMinutes, spreadDueAt } from '../workloads.js';
import type { PeerJob, PeerSchedule } from './peer.js';

/**
 * The one-shot jobs of a workload for a peer, due when Rookery's are ({@link spreadDueAt}):
 * `burst`, all at `t0`; `spread` and `failover`, evenly over W seconds. None for the others.
 */
export function peerJobs(options: BenchOptions, t0: number): PeerJob[] {
  switch (options.workload) {
    case 'burst':
      return Array.from({ length: options.tasks }, (_, i) => ({ id: `j${i}`, fireAt: t0, ms: options.taskMs }));
    case 'spread':
    case 'failover':
      return Array.from({ length: options.tasks }, (_, i) => ({
        id: `j${i}`,
        fireAt: spreadDueAt(i, options.tasks, options.seconds, t0),
        ms: options.taskMs,
      }));
    default:
      return [];
  }
}

/**
 * The schedules of a workload for a peer: `recurring`, K every-second schedules firing W times
 * from `t0`; `cron`, K `* * * * *` schedules firing once a minute for W / 60 minutes from `t0`
 * (a minute's start). None for the others.
 */
export function peerSchedules(options: BenchOptions, t0: number): PeerSchedule[] {
  if (options.workload === 'recurring') {
    return Array.from({ length: options.schedules }, (_, i) => ({
      id: `s${i}`,
      startAt: t0,
      everyMs: 1_000,
      cron: null,
      count: options.seconds,
      ms: options.taskMs,
    }));
  }
  if (options.workload === 'cron') {
    return Array.from({ length: options.schedules }, (_, i) => ({
      id: `c${i}`,
      startAt: t0,
      everyMs: 60_000,
      cron: '* * * * *',
      count: cronMinutes(options),
      ms: options.taskMs,
    }));
  }
  return [];
}
