import type { RookeryClient, Schedule } from '@rookery/core';
import { RECORDING_COMMAND } from '../cluster.js';

/** How big the mixed workload is. */
export interface WorkloadSize {
  /** Every-second interval schedules with short tasks. */
  intervals: number;
  /** Every-second cron schedules (seconds field, in zones with and without DST). */
  crons: number;
  /** `duplicate skip` schedules firing every second with tasks longer than a second. */
  longSkips: number;
  /** Schedules whose first attempt fails and is retried after 300 ms. */
  failing: number;
  /** One-shot schedules spread evenly over the run. */
  oneShots: number;
  /** Every-two-seconds schedules whose 500 ms executions run in an external (polled) system. */
  externals: number;
  /** Every-three-seconds schedules (`duplicate run`) whose tasks run 4-6 s, longer than two leases. */
  longRuns: number;
  /**
   * Every-three-seconds schedules of `process` tasks that run the recording command
   * (`fixtures/recording-command.sh`) for 4-6 s; every other one ignores SIGTERM, so only
   * SIGKILL ends it. The command records its own start, signs of life and end.
   */
  processes?: number;
}

/** The quick profile's workload: about 40 fire times a second. */
export const QUICK_WORKLOAD: WorkloadSize = {
  intervals: 20,
  crons: 6,
  longSkips: 6,
  failing: 6,
  oneShots: 40,
  externals: 6,
  longRuns: 4,
};

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/Santiago'];

/**
 * Creates the mixed workload of the fault suite on the recording executor: second-level
 * intervals, cron with seconds, long-running tasks on `duplicate skip` schedules and on
 * overlapping ones (each outlasting two leases), failing tasks with retries, executions in an external system whose outcome the nodes poll, and one-shots
 * due at instants spread over [`from`, `from + spanMs`].
 */
export async function createWorkload(
  client: RookeryClient,
  size: WorkloadSize,
  from: number,
  spanMs: number,
): Promise<Schedule[]> {
  const created: Schedule[] = [];
  const add = async (input: Parameters<RookeryClient['createSchedule']>[0]): Promise<void> =>
    void created.push(await client.createSchedule(input));
  for (let i = 0; i < size.intervals; i += 1) {
    await add({
      name: `interval-${i}`,
      executor: 'record',
      payload: { ms: 100 + ((i * 37) % 300) },
      trigger: { kind: 'interval', everyMs: 1_000 },
    });
  }
  for (let i = 0; i < size.crons; i += 1) {
    await add({
      name: `cron-${i}`,
      executor: 'record',
      payload: { ms: 150 },
      trigger: { kind: 'cron', expr: '* * * * * *', tz: ZONES[i % ZONES.length] ?? 'UTC' },
    });
  }
  for (let i = 0; i < size.longSkips; i += 1) {
    await add({
      name: `long-skip-${i}`,
      executor: 'record',
      payload: { ms: 1_500 + ((i * 211) % 1_500) },
      trigger: { kind: 'interval', everyMs: 1_000 },
      policies: { duplicate: 'skip' },
    });
  }
  for (let i = 0; i < size.failing; i += 1) {
    await add({
      name: `failing-${i}`,
      executor: 'record',
      payload: { ms: 100, failUntilAttempt: 2 },
      trigger: { kind: 'interval', everyMs: 2_000 },
      policies: { retry: { kind: 'fixed', maxAttempts: 3, delayMs: 300 } },
    });
  }
  for (let i = 0; i < size.externals; i += 1) {
    await add({
      name: `external-${i}`,
      executor: 'recordExternal',
      payload: { ms: 500 },
      trigger: { kind: 'interval', everyMs: 2_000 },
    });
  }
  for (let i = 0; i < size.longRuns; i += 1) {
    await add({
      name: `long-run-${i}`,
      executor: 'record',
      payload: { ms: 4_000 + ((i * 677) % 2_000) },
      trigger: { kind: 'interval', everyMs: 3_000 },
    });
  }
  for (let i = 0; i < (size.processes ?? 0); i += 1) {
    const ms = 4_000 + ((i * 677) % 2_000);
    await add({
      name: `process-${i}`,
      executor: 'process',
      payload: { command: '/bin/sh', args: [RECORDING_COMMAND, String(ms), i % 2 === 0 ? 'stop' : 'ignore'] },
      trigger: { kind: 'interval', everyMs: 3_000 },
    });
  }
  for (let i = 0; i < size.oneShots; i += 1) {
    const at = Math.round(from + ((i + 0.5) * spanMs) / size.oneShots);
    await add({ name: `once-${i}`, executor: 'record', payload: { ms: 200 }, trigger: { kind: 'once', at } });
  }
  return created;
}
