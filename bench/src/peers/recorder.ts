import { openSync, writeSync } from 'node:fs';

/** Bench ids and due time of one run of a peer's handler. */
export interface RecordedRun {
  /** Bench id of the job (the task id of the history). */
  taskId: string;
  /** Bench id of its schedule, or null for a one-shot job. */
  scheduleId: string | null;
  /** Its due time, epoch ms. */
  fireAt: number;
  /** The peer's attempt number, 1 for the first. */
  attempt: number;
}

/**
 * The peers' handler: records a start and an end line, RunRecord format of the history checker
 * (as bench/fixtures/bench-functions.mjs does for Rookery), sleeping `ms` in between; with no
 * sleep both lines go out in one append.
 */
export function recordingHandler(history: string, nodeId: string): (run: RecordedRun, ms: number) => Promise<void> {
  const fd = openSync(history, 'a');
  const line = (kind: 'start' | 'end', run: RecordedRun, ok?: boolean): string =>
    `${JSON.stringify({ kind, nodeId, taskId: run.taskId, scheduleId: run.scheduleId, fireAt: run.fireAt, attempt: run.attempt, fence: 0, at: Date.now(), ...(ok === undefined ? {} : { ok }) })}\n`;
  return async (run, ms) => {
    if (ms <= 0) {
      writeSync(fd, line('start', run) + line('end', run, true));
      return;
    }
    writeSync(fd, line('start', run));
    await new Promise((resolve) => setTimeout(resolve, ms));
    writeSync(fd, line('end', run, true));
  };
}
