import { DuplicateKeyError } from '../errors/duplicate-key-error.js';
import type { NodeRecord } from '../model/node-record.js';
import type { Schedule } from '../model/schedule.js';
import { jobTask } from '../model/job-task.js';
import { gateReleaseOf, taskPoliciesOf } from '../model/task-policies.js';
import { isTerminalTaskState, type Task, type TaskEvent, type TaskState } from '../model/task.js';
import type { Clock } from '../strategies/clock.js';
import type { DatastoreTestHooks } from './test-hooks.js';
import { untakenFireTime } from '../model/untaken-fire-time.js';
import { systemClock } from '../strategies/clock.js';
import type {
  ScheduleUpdateParams,
  ClockParams,
  Datastore,
  HistoryPruneParams,
  NodeHeartbeatParams,
  NodePruneParams,
  NodeRegisterParams,
  NodeStopParams,
  ScheduleClaimDueParams,
  ScheduleSetStateParams,
  TaskRequestCancelParams,
  RateLimit,
  RateLimitSetParams,
  RepairedTask,
  ScheduleClaimValidationParams,
  ScheduleListByClientParams,
  SchedulePeelManyParams,
  SchedulePeelParams,
  SchedulePeelResult,
  ScheduleValidateParams,
  TaskCancelRequest,
  TaskCancelRequestsParams,
  TaskClaimDueParams,
  TaskEnqueueParams,
  EnqueuedTask,
  TaskClaimDueResult,
  TaskFinishManyParams,
  TaskFinishParams,
  ScheduleListParams,
  TaskListParams,
  TaskStats,
  TaskStatsParams,
  TaskLogAppendParams,
  TaskLogLine,
  TaskLogReadParams,
  TaskRenewLeasesParams,
  TaskRenewLeasesResult,
  TaskRepairExpiredParams,
  TaskBacklogUnofferedParams,
  TaskSettleUnresolvedParams,
  UnofferedBacklog,
} from './datastore.js';
import type {
  AdoptedTask,
  ExecutionReport,
  TaskAdoptExpiredParams,
  TaskHandOverParams,
  TaskReportExecutionParams,
  TaskSetExecutionParams,
} from './external-execution.js';
import { scheduleClaimValidation, scheduleListByClient, scheduleValidate } from './memory-validation.js';
import { scheduleList, taskList, taskStats } from './memory-reads.js';
import { schedulePruneDone, taskRetry, scheduleRunNow, type MemoryLedger } from './memory-operator-actions.js';
import type { ScheduleRunNowParams, SchedulePruneDoneParams, TaskRetryParams, TaskRetryResult } from './operator-actions.js';
import { nameKey } from './name-key.js';
import {
  checkIdArgument,
  checkListByClientParams,
  checkNameKey,
  checkScheduleListParams,
  checkTaskListParams,
  checkTaskLogReadParams,
  checkTaskStatsParams,
} from './read-params.js';
import { advanceRateWindow, pickWithinRates, rateAllowance, type RateWindow } from './rate-window.js';
import { executorsOfferedSince } from './unresolved.js';
import {
  adoptReason,
  MISSED_DEADLINE_REASON,
  queueWaitReason,
  repairReason,
  replaceCancelReason,
  replaceWaitReason,
  skipBusyReason,
  skipQueueFullReason,
  skipSupersededReason,
  unresolvedReason,
} from './ledger-reasons.js';

interface SlotHolder {
  taskId: string;
  expiresAt: number;
}

const clone = <T>(value: T): T => structuredClone(value);

/**
 * The in-memory datastore: one process, no persistence. For fast unit tests of core logic
 * only; it runs the same conformance suite as the SQL store. Each method runs to completion
 * without awaiting in between, so every method is atomic (a test hook, when one is set, is
 * awaited where it is named).
 */
export class MemoryDatastore implements Datastore {
  protected readonly schedules = new Map<string, Schedule>();
  protected readonly tasks = new Map<string, Task>();
  protected readonly taskKeys = new Set<string>();
  /** Task id by dedupe key; a key whose task has ended is free (checked on lookup). */
  protected readonly jobKeys = new Map<string, string>();
  /** Task id by key lock (`ever`, period scopes); a lock whose task was deleted is free (checked on lookup). */
  protected readonly keyLocks = new Map<string, string>();
  protected readonly events: TaskEvent[] = [];
  protected readonly logs: TaskLogLine[] = [];
  protected logSeq = 0;
  protected readonly nodes = new Map<string, NodeRecord>();
  /** Run slots by schedule id; a job (schedule id null) runs with duplicate policy `run` and never takes one. */
  protected readonly slots = new Map<string | null, SlotHolder>();
  protected readonly rateLimits = new Map<string, RateWindow & { setBy: string | null; updatedAt: number }>();
  /** Outcomes reported for the current external execution of running tasks, by task id. */
  protected readonly reports = new Map<string, ExecutionReport>();
  private readonly clock: Clock;
  protected readonly testHooks: DatastoreTestHooks;

  /**
   * @param options - `clock` stands in for the database clock (@defaultValue the system
   * clock); `testHooks` pin interleavings in tests (@defaultValue none)
   */
  constructor(options: { clock?: Clock; testHooks?: DatastoreTestHooks } = {}) {
    this.clock = options.clock ?? systemClock;
    this.testHooks = options.testHooks ?? {};
  }

  protected now(p?: ClockParams): number {
    return p?.now ?? this.clock.now();
  }

  protected record(task: Task, from: TaskState | null, at: number, nodeId: string | null, fence = task.fence): void {
    this.events.push({ taskId: task.id, at, from, to: task.state, nodeId, reason: task.reason, fence });
  }

  /** Releases `task`'s run slot, and makes the tasks waiting for it (duplicate `queue` or `replace`) due now. */
  protected releaseSlot(task: Task, now: number): void {
    if (this.slots.get(task.scheduleId)?.taskId !== task.id) return;
    this.slots.delete(task.scheduleId);
    for (const w of this.tasks.values()) {
      if (w.scheduleId === task.scheduleId && w.state === 'pending' && (w.policies.duplicate === 'queue' || w.policies.duplicate === 'replace') && w.attempt === 0 && w.fireAt <= now && w.dueAt > now) {
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

  /** {@inheritDoc Datastore.clockNow} */
  async clockNow(): Promise<number> {
    return this.now();
  }

  /** {@inheritDoc Datastore.close} */
  async close(): Promise<void> {}

  /** {@inheritDoc Datastore.scheduleCreate} */
  async scheduleCreate(schedule: Schedule): Promise<Schedule> {
    checkNameKey('name', schedule.name);
    const key = nameKey(schedule.name);
    for (const s of this.schedules.values()) {
      if (nameKey(s.name) === key) throw new DuplicateKeyError('name', `a schedule named '${s.name}' exists`);
    }
    if (this.schedules.has(schedule.id)) throw new DuplicateKeyError('id', `a schedule with id ${schedule.id} exists`);
    this.schedules.set(schedule.id, clone(schedule));
    return clone(schedule);
  }

  /** {@inheritDoc Datastore.scheduleCreateMany} */
  async scheduleCreateMany(schedules: readonly Schedule[]): Promise<number> {
    schedules.forEach((s, i) => checkNameKey(`[${i}].name`, s.name));
    const taken = new Map([...this.schedules.values()].map((s) => [nameKey(s.name), s.name]));
    const ids = new Set(this.schedules.keys());
    for (const schedule of schedules) {
      const key = nameKey(schedule.name);
      const holder = taken.get(key);
      if (holder !== undefined) throw new DuplicateKeyError('name', `a schedule named '${holder}' exists`);
      if (ids.has(schedule.id)) throw new DuplicateKeyError('id', `a schedule with id ${schedule.id} exists`);
      taken.set(key, schedule.name);
      ids.add(schedule.id);
    }
    for (const schedule of schedules) this.schedules.set(schedule.id, clone(schedule));
    return schedules.length;
  }

  /** {@inheritDoc Datastore.scheduleGet} */
  async scheduleGet(id: string): Promise<Schedule | undefined> {
    checkIdArgument('id', id);
    const s = this.schedules.get(id);
    return s && clone(s);
  }

  /** {@inheritDoc Datastore.scheduleGetByName} */
  async scheduleGetByName(name: string): Promise<Schedule | undefined> {
    checkIdArgument('name', name);
    const key = nameKey(name);
    for (const s of this.schedules.values()) if (nameKey(s.name) === key) return clone(s);
    return undefined;
  }

  /** {@inheritDoc Datastore.scheduleList} */
  async scheduleList(params: ScheduleListParams = {}): Promise<Schedule[]> {
    checkScheduleListParams(params);
    return scheduleList(this.schedules, params);
  }

  /** {@inheritDoc Datastore.scheduleSetState} */
  async scheduleSetState(
    params: ScheduleSetStateParams,
  ): Promise<Schedule | undefined> {
    const s = this.schedules.get(params.id);
    if (!s || (s.state !== 'active' && s.state !== 'paused')) return undefined;
    const now = this.now(params);
    s.state = params.state;
    s.fence += 1;
    s.leaseOwner = null;
    s.leaseExpiresAt = null;
    if (params.nextFireAt !== undefined) s.nextFireAt = params.nextFireAt;
    s.updatedAt = now;
    if (params.state === 'paused' || params.state === 'retired') await this.withdrawPlanned(s, now, 'all');
    else this.markOnceDone(s, now);
    return clone(s);
  }

  /** {@inheritDoc Datastore.scheduleUpdate} */
  async scheduleUpdate(params: ScheduleUpdateParams): Promise<Schedule | undefined> {
    checkIdArgument('id', params.id);
    checkNameKey('definition.name', params.definition.name);
    const s = this.schedules.get(params.id);
    if (!s || (s.state !== 'active' && s.state !== 'paused')) return undefined;
    const name = params.definition.name.normalize('NFC');
    const key = nameKey(name);
    for (const other of this.schedules.values()) {
      if (other.id !== s.id && nameKey(other.name) === key) throw new DuplicateKeyError('name', `a schedule named '${other.name}' exists`);
    }
    const now = this.now(params);
    Object.assign(s, params.definition, { name, nextFireAt: params.nextFireAt, leaseOwner: null, leaseExpiresAt: null, updatedAt: now });
    s.fence += 1;
    await this.withdrawPlanned(s, now, 'ahead');
    const taken = [...this.tasks.values()].filter((t) => t.scheduleId === s.id).map((t) => t.fireAt);
    s.nextFireAt = untakenFireTime(s, s.nextFireAt, taken);
    return clone(s);
  }

  /**
   * Withdraws the planned tasks of `s` that have not started (pending, never started; with
   * `ahead`, only those due after `now`), as the SQL store does: chosen, then deleted only if
   * still not started, with their events and logs; a gate on a deleted one is cleared.
   */
  private async withdrawPlanned(s: Schedule, now: number, scope: 'ahead' | 'all'): Promise<void> {
    const notStarted = (t: Task | undefined): t is Task => t !== undefined && t.state === 'pending' && t.attempt === 0;
    const chosen = [...this.tasks.values()].filter((t) => t.scheduleId === s.id && notStarted(t) && (scope === 'all' || t.fireAt > now)).map((t) => t.id);
    if (chosen.length === 0) return;
    await this.testHooks.withdrawalChosen?.({ scheduleId: s.id, taskIds: chosen, othersWriteMeanwhile: true });
    const deleted = new Set<string>();
    for (const taskId of chosen) {
      const t = this.tasks.get(taskId);
      if (!notStarted(t)) continue;
      this.tasks.delete(taskId);
      this.taskKeys.delete(`${s.id}/${t.fireAt}`);
      deleted.add(taskId);
      if (s.gateTaskId === taskId) s.gateTaskId = null;
    }
    const kept = this.events.filter((e) => !deleted.has(e.taskId));
    this.events.splice(0, this.events.length, ...kept);
    const keptLogs = this.logs.filter((l) => !deleted.has(l.taskId));
    this.logs.splice(0, this.logs.length, ...keptLogs);
  }

  /** {@inheritDoc Datastore.scheduleDelete} */
  async scheduleDelete(id: string): Promise<boolean> {
    if (!this.schedules.delete(id)) return false;
    for (const [taskId, t] of this.tasks) {
      if (t.scheduleId !== id) continue;
      this.tasks.delete(taskId);
      this.reports.delete(taskId);
      this.taskKeys.delete(`${id}/${t.fireAt}`);
    }
    const kept = this.events.filter((e) => this.tasks.has(e.taskId));
    this.events.splice(0, this.events.length, ...kept);
    const keptLogs = this.logs.filter((l) => this.tasks.has(l.taskId));
    this.logs.splice(0, this.logs.length, ...keptLogs);
    this.slots.delete(id);
    return true;
  }

  /** The maps the operator actions work on. */
  private ledger(): MemoryLedger {
    const { schedules, tasks, taskKeys, jobKeys, events, logs, reports } = this;
    return { schedules, tasks, taskKeys, jobKeys, events, logs, reports };
  }

  /** {@inheritDoc Datastore.scheduleRunNow} */
  async scheduleRunNow(params: ScheduleRunNowParams): Promise<Task | undefined> {
    return scheduleRunNow(this.ledger(), params, this.now(params));
  }

  /** {@inheritDoc Datastore.taskRetry} */
  async taskRetry(params: TaskRetryParams): Promise<TaskRetryResult | undefined> {
    return taskRetry(this.ledger(), params, this.now(params));
  }

  /** {@inheritDoc Datastore.schedulePruneDone} */
  async schedulePruneDone(params: SchedulePruneDoneParams): Promise<number> {
    return schedulePruneDone(this.ledger(), params);
  }

  /** {@inheritDoc Datastore.historyPrune} */
  async historyPrune(params: HistoryPruneParams): Promise<number> {
    const old = [...this.tasks.values()]
      .filter((t) => isTerminalTaskState(t.state) && t.endedAt !== null && t.endedAt < params.endedBefore)
      .sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0))
      .slice(0, params.limit);
    const gone = new Set(old.map((t) => t.id));
    for (const t of old) {
      this.tasks.delete(t.id);
      this.taskKeys.delete(`${t.scheduleId}/${t.fireAt}`);
      if (t.key !== null && this.jobKeys.get(t.key) === t.id) this.jobKeys.delete(t.key);
    }
    const kept = this.events.filter((e) => !gone.has(e.taskId));
    this.events.splice(0, this.events.length, ...kept);
    const keptLogs = this.logs.filter((l) => !gone.has(l.taskId));
    this.logs.splice(0, this.logs.length, ...keptLogs);
    return old.length;
  }

  /** {@inheritDoc Datastore.nodePrune} */
  async nodePrune(params: NodePruneParams): Promise<number> {
    let pruned = 0;
    for (const [id, n] of this.nodes) {
      if ((n.stoppedAt ?? n.heartbeatAt) < params.seenBefore) {
        this.nodes.delete(id);
        pruned += 1;
      }
    }
    return pruned;
  }

  /** {@inheritDoc Datastore.scheduleClaimDue} */
  async scheduleClaimDue(
    params: ScheduleClaimDueParams,
  ): Promise<Schedule[]> {
    const now = this.now(params);
    const due = [...this.schedules.values()]
      .filter(
        (s) =>
          s.state === 'active' &&
          s.gateTaskId === null &&
          s.nextFireAt !== null &&
          s.nextFireAt <= now + params.lookaheadMs &&
          (s.leaseExpiresAt === null || s.leaseExpiresAt <= now),
      )
      .sort((a, b) => (a.nextFireAt ?? 0) - (b.nextFireAt ?? 0))
      .slice(0, params.limit);
    for (const s of due) {
      s.leaseOwner = params.owner;
      s.leaseExpiresAt = now + params.leaseMs;
      s.fence += 1;
      s.updatedAt = now;
    }
    return due.map(clone);
  }

  /** {@inheritDoc Datastore.scheduleClaimValidation} */
  async scheduleClaimValidation(params: ScheduleClaimValidationParams): Promise<Schedule[]> {
    return scheduleClaimValidation(this.schedules, params, this.now(params));
  }

  /** {@inheritDoc Datastore.scheduleValidate} */
  async scheduleValidate(params: ScheduleValidateParams): Promise<Schedule | undefined> {
    return scheduleValidate(this.schedules, params, this.now(params));
  }

  /** {@inheritDoc Datastore.scheduleListByClient} */
  async scheduleListByClient(params: ScheduleListByClientParams): Promise<Schedule[]> {
    checkListByClientParams(params);
    return scheduleListByClient(this.schedules, params);
  }

  /** {@inheritDoc Datastore.schedulePeelMany} */
  async schedulePeelMany(params: SchedulePeelManyParams): Promise<SchedulePeelResult[]> {
    const now = this.now(params);
    const results: SchedulePeelResult[] = [];
    for (const peel of params.peels) results.push(this.schedulePeelOne(peel, now));
    return results;
  }

  /** One peel of {@link MemoryDatastore.schedulePeelMany}, judged at `now`. */
  private schedulePeelOne(params: SchedulePeelParams, now: number): SchedulePeelResult {
    const s = this.schedules.get(params.scheduleId);
    if (!s || s.state !== 'active' || s.leaseOwner !== params.owner || s.fence !== params.fence || (s.leaseExpiresAt ?? 0) <= now) {
      return { ok: false, created: [] };
    }
    const created: Task[] = [];
    let gateTaskId = params.gateTaskId;
    for (const n of params.tasks) {
      const key = `${s.id}/${n.fireAt}`;
      if (this.taskKeys.has(key)) {
        if (gateTaskId === n.id) gateTaskId = null;
        continue;
      }
      const task: Task = {
        ...n,
        scheduleId: s.id,
        key: null,
        origin: 'trigger',
        attempt: 0,
        failures: 0,
        repairs: 0,
        fence: 0,
        executor: s.executor,
        payload: clone(s.payload),
        policies: taskPoliciesOf(s.policies),
        leaseOwner: null,
        leaseExpiresAt: null,
        nodeId: null,
        startedAt: null,
        endedAt: isTerminalTaskState(n.state) ? now : null,
        result: null,
        error: null,
        executionId: null,
        cancelRequested: false,
        traceContext: null,
        createdAt: now,
        updatedAt: now,
      };
      this.tasks.set(task.id, task);
      this.taskKeys.add(key);
      this.record(task, null, now, params.nodeId);
      created.push(clone(task));
    }
    s.nextFireAt = params.nextFireAt;
    s.gateTaskId = gateTaskId;
    s.leaseOwner = null;
    s.leaseExpiresAt = null;
    s.updatedAt = now;
    // A once schedule whose fire time went in as a terminal ledger row (a misfire) is over.
    if (params.gateTaskId === null && params.tasks.some((n) => isTerminalTaskState(n.state))) this.markOnceDone(s, now);
    return { ok: true, created };
  }

  /** {@inheritDoc Datastore.taskEnqueue} */
  async taskEnqueue(params: TaskEnqueueParams): Promise<EnqueuedTask[]> {
    const now = this.now(params);
    return params.jobs.map((job) => {
      const holder = job.key === null ? undefined : this.tasks.get(this.jobKeys.get(job.key) ?? '');
      if (holder && !isTerminalTaskState(holder.state)) return { task: clone(holder), created: false };
      // A lock holder answers until it is deleted: a lock whose task is gone is free.
      const lockHolder = job.keyLock === null ? undefined : this.tasks.get(this.keyLocks.get(job.keyLock) ?? '');
      if (lockHolder) return { task: clone(lockHolder), created: false };
      const task = jobTask(job, now);
      this.tasks.set(task.id, task);
      if (job.key !== null) this.jobKeys.set(job.key, task.id);
      if (job.keyLock !== null) this.keyLocks.set(job.keyLock, task.id);
      this.record(task, null, now, null);
      return { task: clone(task), created: true };
    });
  }

  /** Settles a pending task without running it (missed, skipped), recording why. */
  private settlePending(t: Task, state: 'missed' | 'skipped', reason: string, now: number, nodeId: string): Task {
    t.state = state;
    t.reason = reason;
    t.endedAt = now;
    t.updatedAt = now;
    this.record(t, 'pending', now, nodeId);
    this.ungate(t, now, 'end');
    return clone(t);
  }

  /**
   * Who holds `t`'s run slot: `free` (nobody, `t` itself, or an expired holder repair has taken
   * back), `awaiting-repair` (an expired holder still running: its fence is still current), or
   * the live holder.
   */
  private slotHolder(t: Task, now: number): 'free' | 'awaiting-repair' | SlotHolder {
    const holder = this.slots.get(t.scheduleId);
    if (!holder || holder.taskId === t.id) return 'free';
    if (holder.expiresAt > now) return holder;
    return this.tasks.get(holder.taskId)?.state === 'running' ? 'awaiting-repair' : 'free';
  }

  /** {@inheritDoc Datastore.taskClaimDue} */
  async taskClaimDue(params: TaskClaimDueParams): Promise<TaskClaimDueResult> {
    const now = this.now(params);
    const settled: Task[] = [];
    const started: Task[] = [];
    const pending = [...this.tasks.values()].filter((t) => t.state === 'pending' && t.dueAt <= now);
    for (const t of pending) {
      if (t.deadlineAt !== null && t.deadlineAt < now) {
        settled.push(this.settlePending(t, 'missed', MISSED_DEADLINE_REASON, now, params.nodeId));
      }
    }
    const ordered = pending
      .filter((t) => t.state === 'pending' && params.executors.includes(t.executor))
      .sort((a, b) => b.policies.priority - a.policies.priority || a.dueAt - b.dueAt);
    const candidates = this.takeWithinRates(ordered, params.limit, now);
    // `replace`: only the newest (latest fire time) candidate of a schedule in this batch runs; older ones are skipped.
    const newestReplace = new Map<string | null, Task>();
    for (const t of candidates) {
      const seen = newestReplace.get(t.scheduleId);
      if (t.policies.duplicate === 'replace' && (seen === undefined || t.fireAt >= seen.fireAt)) newestReplace.set(t.scheduleId, t);
    }
    for (const t of candidates) {
      const duplicate = t.policies.duplicate;
      if (duplicate === 'replace') {
        const newer = newestReplace.get(t.scheduleId)?.id;
        if (newer !== t.id) {
          settled.push(this.settlePending(t, 'skipped', skipSupersededReason(newer ?? '?'), now, params.nodeId));
          continue;
        }
        const holder = this.slotHolder(t, now);
        if (holder !== 'free') {
          // The running holder is asked to cancel; the new task waits for it to end.
          const running = this.tasks.get(this.slots.get(t.scheduleId)?.taskId ?? '');
          if (running?.state === 'running' && !running.cancelRequested) {
            running.cancelRequested = true;
            running.reason = replaceCancelReason(t.id);
            running.updatedAt = now;
          }
          // An expired holder still running awaits repair: the task stays due until then.
          if (holder !== 'awaiting-repair') {
            t.dueAt = Math.max(holder.expiresAt, now + 1);
            t.reason = replaceWaitReason(holder.taskId);
            t.updatedAt = now;
          }
          continue;
        }
      } else if (duplicate === 'skip' || duplicate === 'queue') {
        const holder = this.slotHolder(t, now);
        // An expired holder still running waits for repair to supersede its fence.
        if (holder === 'awaiting-repair') continue;
        if (holder !== 'free' && duplicate === 'skip') {
          settled.push(this.settlePending(t, 'skipped', skipBusyReason(holder.taskId), now, params.nodeId));
          continue;
        }
        if (holder !== 'free') {
          // At most one waiting: an older never-started pending task of the schedule is it.
          const waiting = [...this.tasks.values()].find(
            (w) => w.scheduleId === t.scheduleId && w.id !== t.id && w.state === 'pending' && w.attempt === 0 && w.fireAt < t.fireAt,
          );
          if (waiting) {
            settled.push(this.settlePending(t, 'skipped', skipQueueFullReason(waiting.id, holder.taskId), now, params.nodeId));
          } else {
            t.dueAt = Math.max(holder.expiresAt, now + 1);
            t.reason = queueWaitReason(holder.taskId);
            t.updatedAt = now;
          }
          continue;
        }
      }
      if (duplicate === 'replace' || duplicate === 'skip' || duplicate === 'queue') {
        this.slots.set(t.scheduleId, { taskId: t.id, expiresAt: now + params.leaseMs });
      }
      t.state = 'running';
      t.fence += 1;
      t.attempt += 1;
      t.leaseOwner = params.owner;
      t.leaseExpiresAt = now + params.leaseMs;
      t.nodeId = params.nodeId;
      t.startedAt = now;
      t.endedAt = null;
      t.reason = null;
      t.updatedAt = now;
      this.record(t, 'pending', now, params.nodeId);
      this.ungate(t, now, 'start');
      started.push(clone(t));
    }
    return { started, settled };
  }

  /** Candidates within the cluster-wide rate limits, which count them. */
  private takeWithinRates(ordered: Task[], limit: number, now: number): Task[] {
    const picked = pickWithinRates(ordered, (t) => t.executor, limit, (e) => {
      const w = this.rateLimits.get(e);
      return w && rateAllowance(w, now);
    });
    for (const t of picked) {
      const w = this.rateLimits.get(t.executor);
      if (w) this.rateLimits.set(t.executor, { ...w, ...advanceRateWindow(w, now, 1) });
    }
    return picked;
  }

  /** {@inheritDoc Datastore.rateLimitSet} */
  async rateLimitSet(params: RateLimitSetParams): Promise<void> {
    const now = this.now(params);
    if (params.perSecond === null) {
      this.rateLimits.delete(params.executor);
      return;
    }
    const w = this.rateLimits.get(params.executor);
    this.rateLimits.set(params.executor, {
      perSecond: params.perSecond,
      windowStart: w?.windowStart ?? 0,
      windowCount: w?.windowCount ?? 0,
      setBy: params.setBy,
      updatedAt: now,
    });
  }

  /** {@inheritDoc Datastore.rateLimitList} */
  async rateLimitList(): Promise<RateLimit[]> {
    return [...this.rateLimits.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([executor, w]) => ({ executor, perSecond: w.perSecond, setBy: w.setBy, updatedAt: w.updatedAt }));
  }

  protected holds(t: Task | undefined, owner: string, fence: number, now: number): t is Task {
    return !!t && t.state === 'running' && t.leaseOwner === owner && t.fence === fence && (t.leaseExpiresAt ?? 0) > now;
  }

  /** {@inheritDoc Datastore.taskRenewLeases} */
  async taskRenewLeases(params: TaskRenewLeasesParams): Promise<TaskRenewLeasesResult> {
    const now = this.now(params);
    const expiresAt = now + params.leaseMs;
    const result: TaskRenewLeasesResult = { renewed: [], lost: [], cancelRequested: [], executionReports: [], expiresAt };
    for (const lease of params.leases) {
      const t = this.tasks.get(lease.taskId);
      if (!this.holds(t, params.owner, lease.fence, now)) {
        result.lost.push(lease.taskId);
        continue;
      }
      t.leaseExpiresAt = expiresAt;
      t.updatedAt = now;
      const slot = this.slots.get(t.scheduleId);
      if (slot?.taskId === t.id) slot.expiresAt = expiresAt;
      result.renewed.push(t.id);
      if (t.cancelRequested) result.cancelRequested.push(t.id);
      const report = this.reports.get(t.id);
      if (report) result.executionReports.push(clone(report));
    }
    return result;
  }

  /** {@inheritDoc Datastore.taskFinishMany} */
  async taskFinishMany(params: TaskFinishManyParams): Promise<(Task | undefined)[]> {
    const now = this.now(params);
    const tasks: (Task | undefined)[] = [];
    for (const finish of params.finishes) tasks.push(this.taskFinishOne(finish, now));
    return tasks;
  }

  /** One commit of {@link MemoryDatastore.taskFinishMany}, judged at `now`. */
  private taskFinishOne(params: TaskFinishParams, now: number): Task | undefined {
    const t = this.tasks.get(params.taskId);
    if (!this.holds(t, params.owner, params.fence, now)) return undefined;
    const o = params.outcome;
    t.state = o.state;
    t.reason = o.reason;
    t.leaseOwner = null;
    t.leaseExpiresAt = null;
    t.endedAt = now;
    t.updatedAt = now;
    if (o.state === 'completed') t.result = o.result;
    if (o.state === 'failed') t.error = o.error;
    if (o.state === 'cancelled') t.error = o.error;
    this.reports.delete(t.id);
    if (o.state === 'pending') {
      t.executionId = null;
      t.dueAt = o.dueAt;
      t.error = o.error;
      if (o.countFailure) t.failures += 1;
    } else if (o.state === 'failed') {
      t.failures += 1;
    }
    this.releaseSlot(t, now);
    this.record(t, 'running', now, params.nodeId);
    if (isTerminalTaskState(t.state)) this.ungate(t, now, 'end');
    return clone(t);
  }

  /** {@inheritDoc Datastore.taskRepairExpired} */
  async taskRepairExpired(params: TaskRepairExpiredParams): Promise<RepairedTask[]> {
    const now = this.now(params);
    const expired = [...this.tasks.values()]
      .filter((t) => t.state === 'running' && t.executionId === null && t.leaseExpiresAt !== null && t.leaseExpiresAt <= now)
      .slice(0, params.limit);
    return expired.map((t) => {
      const previousOwner = t.leaseOwner;
      t.fence += 1;
      t.repairs += 1;
      t.state = t.cancelRequested
        ? 'cancelled'
        : t.policies.delivery === 'at-most-once'
          ? 'abandoned'
          : t.repairs >= params.maxRepairs
            ? 'failed'
            : 'pending';
      t.reason = repairReason(t.state, previousOwner, t.repairs, t.state === 'cancelled' ? t.reason : null);
      if (t.state === 'pending') t.dueAt = now;
      t.endedAt = now;
      t.leaseOwner = null;
      t.leaseExpiresAt = null;
      t.updatedAt = now;
      this.releaseSlot(t, now);
      // The event concerns the attempt whose lease expired: its fence, not the new one.
      this.record(t, 'running', now, params.nodeId, t.fence - 1);
      if (t.state !== 'pending') this.ungate(t, now, 'end');
      return { task: clone(t), previousOwner };
    });
  }

  /** {@inheritDoc Datastore.taskSetExecution} */
  async taskSetExecution(params: TaskSetExecutionParams): Promise<boolean> {
    const now = this.now(params);
    const t = this.tasks.get(params.taskId);
    if (!this.holds(t, params.owner, params.fence, now)) return false;
    t.executionId = params.executionId;
    t.updatedAt = now;
    this.reports.delete(t.id);
    return true;
  }

  /** {@inheritDoc Datastore.taskAdoptExpired} */
  async taskAdoptExpired(params: TaskAdoptExpiredParams): Promise<AdoptedTask[]> {
    const now = this.now(params);
    const expired = [...this.tasks.values()]
      .filter(
        (t) =>
          t.state === 'running' &&
          t.executionId !== null &&
          params.executors.includes(t.executor) &&
          (t.leaseExpiresAt === null || t.leaseExpiresAt <= now),
      )
      .slice(0, params.limit);
    return expired.map((t) => {
      const previousOwner = t.leaseOwner;
      t.fence += 1;
      t.leaseOwner = params.owner;
      t.leaseExpiresAt = now + params.leaseMs;
      t.nodeId = params.nodeId;
      t.reason = adoptReason(previousOwner, t.executionId, params.nodeId);
      t.updatedAt = now;
      const slot = this.slots.get(t.scheduleId);
      if (slot?.taskId === t.id) slot.expiresAt = now + params.leaseMs;
      this.record(t, 'running', now, params.nodeId);
      const report = this.reports.get(t.id);
      return { task: clone(t), previousOwner, report: report ? clone(report.status) : null };
    });
  }

  /** {@inheritDoc Datastore.taskHandOver} */
  async taskHandOver(params: TaskHandOverParams): Promise<boolean> {
    const now = this.now(params);
    const t = this.tasks.get(params.taskId);
    if (!this.holds(t, params.owner, params.fence, now) || t.executionId === null) return false;
    t.leaseExpiresAt = now;
    t.updatedAt = now;
    return true;
  }

  /** {@inheritDoc Datastore.taskReportExecution} */
  async taskReportExecution(params: TaskReportExecutionParams): Promise<Task | undefined> {
    const now = this.now(params);
    const t = this.tasks.get(params.taskId);
    if (!t || t.state !== 'running' || t.executionId !== params.executionId || this.reports.has(t.id)) return undefined;
    this.reports.set(t.id, { taskId: t.id, executionId: params.executionId, status: clone(params.status) });
    t.updatedAt = now;
    return clone(t);
  }

  /** {@inheritDoc Datastore.taskRequestCancel} */
  async taskRequestCancel(params: TaskRequestCancelParams): Promise<Task | undefined> {
    const now = this.now(params);
    const t = this.tasks.get(params.taskId);
    if (!t) return undefined;
    if (t.state === 'pending' || t.state === 'running') t.cancelRequested = true;
    if (t.state === 'pending') {
      t.state = 'cancelled';
      t.reason = params.reason;
      t.endedAt = now;
      t.updatedAt = now;
      this.record(t, 'pending', now, null);
      this.ungate(t, now, 'end');
    } else if (t.state === 'running') {
      t.reason = params.reason;
      t.updatedAt = now;
    }
    return clone(t);
  }

  /** {@inheritDoc Datastore.taskCancelRequests} */
  async taskCancelRequests(params: TaskCancelRequestsParams): Promise<TaskCancelRequest[]> {
    return params.taskIds.flatMap((id) => {
      const t = this.tasks.get(id);
      return t && t.state === 'running' && t.leaseOwner === params.owner && t.cancelRequested ? [{ taskId: id, reason: t.reason }] : [];
    });
  }

  /** {@inheritDoc Datastore.taskBacklogUnoffered} */
  async taskBacklogUnoffered(params: TaskBacklogUnofferedParams): Promise<UnofferedBacklog[]> {
    const offered = executorsOfferedSince(this.nodes.values(), params.offeredSince);
    const backlog = new Map<string, UnofferedBacklog>();
    for (const t of this.tasks.values()) {
      if (t.state !== 'pending' || offered.has(t.executor)) continue;
      const b = backlog.get(t.executor) ?? { executor: t.executor, pending: 0, oldestDueAt: t.dueAt };
      backlog.set(t.executor, { ...b, pending: b.pending + 1, oldestDueAt: Math.min(b.oldestDueAt, t.dueAt) });
    }
    return [...backlog.values()].sort((a, b) => (a.executor < b.executor ? -1 : a.executor > b.executor ? 1 : 0));
  }

  /** {@inheritDoc Datastore.taskSettleUnresolved} */
  async taskSettleUnresolved(params: TaskSettleUnresolvedParams): Promise<Task[]> {
    const now = this.now(params);
    const cutoff = now - params.unresolvedAfterMs;
    const offered = executorsOfferedSince(this.nodes.values(), cutoff);
    const unresolved = [...this.tasks.values()]
      .filter((t) => t.state === 'pending' && t.dueAt <= cutoff && !offered.has(t.executor))
      .sort((a, b) => b.policies.priority - a.policies.priority || a.dueAt - b.dueAt)
      .slice(0, Math.max(0, params.limit));
    return unresolved.map((t) => {
      const reason = unresolvedReason(t.executor);
      Object.assign(t, { state: 'failed', reason, error: reason, endedAt: now, updatedAt: now });
      this.record(t, 'pending', now, params.nodeId);
      this.ungate(t, now, 'end');
      return clone(t);
    });
  }

  /** {@inheritDoc Datastore.taskGet} */
  async taskGet(id: string): Promise<Task | undefined> {
    checkIdArgument('id', id);
    const t = this.tasks.get(id);
    return t && clone(t);
  }

  /** {@inheritDoc Datastore.taskList} */
  async taskList(params: TaskListParams = {}): Promise<Task[]> {
    checkTaskListParams(params);
    return taskList(this.tasks, params);
  }

  /** {@inheritDoc Datastore.taskStats} */
  async taskStats(params: TaskStatsParams): Promise<TaskStats> {
    checkTaskStatsParams(params);
    return taskStats(this.tasks, params, this.now(params));
  }

  /** {@inheritDoc Datastore.taskEvents} */
  async taskEvents(taskId: string): Promise<TaskEvent[]> {
    checkIdArgument('taskId', taskId);
    return this.events.filter((e) => e.taskId === taskId).map(clone);
  }

  /** {@inheritDoc Datastore.taskLogAppend} */
  async taskLogAppend(params: TaskLogAppendParams): Promise<void> {
    for (const { at, line } of params.lines) this.logs.push({ seq: ++this.logSeq, taskId: params.taskId, at, line });
  }

  /** {@inheritDoc Datastore.taskLogRead} */
  async taskLogRead(params: TaskLogReadParams): Promise<TaskLogLine[]> {
    checkTaskLogReadParams(params);
    const after = params.afterSeq ?? 0;
    return this.logs.filter((l) => l.taskId === params.taskId && l.seq > after).slice(0, params.limit ?? 1000).map(clone);
  }

  /** {@inheritDoc Datastore.nodeRegister} */
  async nodeRegister(node: NodeRegisterParams): Promise<NodeRecord> {
    const now = this.now();
    const record: NodeRecord = { ...clone(node), startedAt: now, heartbeatAt: now, stoppedAt: null };
    this.nodes.set(node.id, record);
    return clone(record);
  }

  /** {@inheritDoc Datastore.nodeHeartbeat} */
  async nodeHeartbeat(params: NodeHeartbeatParams): Promise<number> {
    const now = this.now(params);
    const n = this.nodes.get(params.id);
    if (n) {
      n.heartbeatAt = now;
      n.clockOffsetMs = params.clockOffsetMs;
    }
    return now;
  }

  /** {@inheritDoc Datastore.nodeStop} */
  async nodeStop(params: NodeStopParams): Promise<void> {
    const n = this.nodes.get(params.id);
    if (n) n.stoppedAt = this.now(params);
  }

  /** {@inheritDoc Datastore.nodeList} */
  async nodeList(): Promise<NodeRecord[]> {
    return [...this.nodes.values()].sort((a, b) => Number(a.stoppedAt !== null) - Number(b.stoppedAt !== null)).map(clone);
  }
}
