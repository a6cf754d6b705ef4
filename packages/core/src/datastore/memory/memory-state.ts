import type { NodeRecord } from '../../model/node-record.js';
import type { Schedule } from '../../model/schedule.js';
import { gateReleaseOf } from '../../model/task-policies.js';
import { isTerminalTaskState, type Task, type TaskEvent, type TaskState } from '../../model/task.js';
import type { Clock } from '../../strategies/clock.js';
import type { DatastoreTestHooks } from '../test-hooks.js';
import { systemClock } from '../../strategies/clock.js';
import type { ClockParams, TaskLogLine } from '../datastore.js';
import type { ExecutionReport } from '../external-execution.js';
import type { RateWindow } from '../rate-window.js';

/** The task holding a schedule's run slot, and until when. */
export interface SlotHolder {
  /** The task. */
  taskId: string;
  /** Its lease expiry, epoch ms. */
  expiresAt: number;
}

/** A deep copy: the store never hands out, nor keeps, an object its caller holds. */
export const clone = <T>(value: T): T => structuredClone(value);

/** Options of the in-memory datastore. */
export interface MemoryDatastoreOptions {
  /** Stands in for the database clock. @defaultValue the system clock */
  clock?: Clock;
  /** Pin interleavings in tests. @defaultValue none */
  testHooks?: DatastoreTestHooks;
}

/** The maps of the in-memory datastore, and the effects its methods share. */
export abstract class MemoryState {
  /** Schedules by id. */
  protected readonly schedules = new Map<string, Schedule>();
  /** Tasks by id. */
  protected readonly tasks = new Map<string, Task>();
  /** `<schedule id>/<fire time>` of every task of a schedule: one task per fire time. */
  protected readonly taskKeys = new Set<string>();
  /** Task id by dedupe key; a key whose task has ended is free (checked on lookup). */
  protected readonly jobKeys = new Map<string, string>();
  /** Task id by key lock (`ever`, period scopes); a lock whose task was deleted is free (checked on lookup). */
  protected readonly keyLocks = new Map<string, string>();
  /** Every task event, oldest first. */
  protected readonly events: TaskEvent[] = [];
  /** Every task log line, oldest first. */
  protected readonly logs: TaskLogLine[] = [];
  /** The `seq` of the last log line stored. */
  protected logSeq = 0;
  /** Node records by id. */
  protected readonly nodes = new Map<string, NodeRecord>();
  /** Run slots by schedule id; a job (schedule id null) runs with duplicate policy `run` and never takes one. */
  protected readonly slots = new Map<string | null, SlotHolder>();
  /** Cluster-wide rate limits and their current window, by executor. */
  protected readonly rateLimits = new Map<string, RateWindow & { setBy: string | null; updatedAt: number }>();
  /** Outcomes reported for the current external execution of running tasks, by task id. */
  protected readonly reports = new Map<string, ExecutionReport>();
  private readonly clock: Clock;
  /** Hooks awaited where they are named, to pin interleavings in tests. */
  protected readonly testHooks: DatastoreTestHooks;

  /** @param options - see {@link MemoryDatastoreOptions} */
  constructor(options: MemoryDatastoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.testHooks = options.testHooks ?? {};
  }

  /** The instant a call is judged at: its `now`, else the store's clock. */
  protected now(p?: ClockParams): number {
    return p?.now ?? this.clock.now();
  }

  /** Records `task`'s transition from `from` to its current state as an event. */
  protected record(task: Task, from: TaskState | null, at: number, nodeId: string | null, fence = task.fence): void {
    this.events.push({ taskId: task.id, at, from, to: task.state, nodeId, reason: task.reason, fence });
  }

  /** Releases `task`'s run slot, and makes the tasks waiting for it (duplicate `queue` or `replace`) due now. */
  protected releaseSlot(task: Task, now: number): void {
    if (this.slots.get(task.scheduleId)?.taskId !== task.id) return;
    this.slots.delete(task.scheduleId);
    for (const w of this.tasks.values()) {
      if (
        w.scheduleId === task.scheduleId &&
        w.state === 'pending' &&
        (w.policies.duplicate === 'queue' || w.policies.duplicate === 'replace') &&
        w.attempt === 0 &&
        w.fireAt <= now &&
        w.dueAt > now
      ) {
        w.dueAt = now;
        w.updatedAt = now;
      }
    }
  }

  /** Releases a gate on `task` at its start or end; at its end, a `once` schedule whose run is over is done. */
  protected ungate(task: Task, now: number, on: 'start' | 'end'): void {
    const schedule = task.scheduleId === null ? undefined : this.schedules.get(task.scheduleId);
    if (!schedule) return;
    const release = gateReleaseOf(schedule.policies.taskCreation);
    if (schedule.gateTaskId === task.id && (on === 'end' || release === 'start')) {
      schedule.gateTaskId = null;
      if (schedule.trigger.kind === 'after-run' && on === 'end') schedule.nextFireAt = now + schedule.trigger.delayMs;
      schedule.updatedAt = now;
    }
    if (on === 'end') this.markOnceDone(schedule, now);
  }

  /** Marks `done` an active, ungated `once` schedule with no next fire time and no live task. */
  protected markOnceDone(s: Schedule, now: number): void {
    if (s.state !== 'active' || s.trigger.kind !== 'once' || s.nextFireAt !== null || s.gateTaskId !== null) return;
    for (const t of this.tasks.values()) if (t.scheduleId === s.id && !isTerminalTaskState(t.state)) return;
    s.state = 'done';
    s.updatedAt = now;
  }
}
