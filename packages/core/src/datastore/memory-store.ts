import { DuplicateKeyError } from '../errors/duplicate-key-error.js';
import type { NodeRecord } from '../model/node-record.js';
import type { Schedule, ScheduleState } from '../model/schedule.js';
import { isTerminalTaskState, type Task, type TaskEvent, type TaskState } from '../model/task.js';
import type { Clock } from '../strategies/clock.js';
import { systemClock } from '../strategies/clock.js';
import type {
  ClockParams,
  Datastore,
  DatastoreCapabilities,
  RepairedTask,
  SchedulePeelParams,
  SchedulePeelResult,
  TaskClaimDueParams,
  TaskClaimDueResult,
  TaskFinishParams,
  TaskListParams,
  TaskRenewLeasesParams,
  TaskRenewLeasesResult,
  TaskRepairExpiredParams,
} from './datastore.js';
import { nameKey } from './name-key.js';
import { repairReason } from './repair-reason.js';

interface SlotHolder {
  taskId: string;
  expiresAt: number;
}

const clone = <T>(value: T): T => structuredClone(value);

/**
 * The in-memory datastore: one process, no persistence. For fast unit tests of core logic
 * only; it runs the same conformance suite as the SQL store. Each method runs to completion
 * without awaiting in between, so every method is atomic.
 */
export class MemoryDatastore implements Datastore {
  /** Not shared between processes; no row locks to skip. */
  readonly capabilities: DatastoreCapabilities = { shared: false, skipLocked: false };
  private readonly schedules = new Map<string, Schedule>();
  private readonly tasks = new Map<string, Task>();
  private readonly taskKeys = new Set<string>();
  private readonly events: TaskEvent[] = [];
  private readonly nodes = new Map<string, NodeRecord>();
  private readonly slots = new Map<string, SlotHolder>();
  private readonly clock: Clock;

  /**
   * @param options - `clock` stands in for the database clock. @defaultValue the system clock
   */
  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
  }

  private now(p?: ClockParams): number {
    return p?.now ?? this.clock.now();
  }

  private record(task: Task, from: TaskState | null, at: number, nodeId: string | null, fence = task.fence): void {
    this.events.push({ taskId: task.id, at, from, to: task.state, nodeId, reason: task.reason, fence });
  }

  private releaseSlot(task: Task): void {
    if (this.slots.get(task.scheduleId)?.taskId === task.id) this.slots.delete(task.scheduleId);
  }

  private ungate(task: Task, now: number, on: 'start' | 'end'): void {
    const schedule = this.schedules.get(task.scheduleId);
    if (!schedule || schedule.gateTaskId !== task.id) return;
    const release = schedule.policies.taskCreation === 'on-start' ? 'start' : 'end';
    if (on === 'start' && release !== 'start') return;
    schedule.gateTaskId = null;
    if (schedule.trigger.kind === 'after-run' && on === 'end') schedule.nextFireAt = now + schedule.trigger.delayMs;
    schedule.updatedAt = now;
  }

  /** {@inheritDoc Datastore.clockNow} */
  async clockNow(): Promise<number> {
    return this.now();
  }

  /** {@inheritDoc Datastore.close} */
  async close(): Promise<void> {}

  /** {@inheritDoc Datastore.scheduleCreate} */
  async scheduleCreate(schedule: Schedule): Promise<Schedule> {
    const key = nameKey(schedule.name);
    for (const s of this.schedules.values()) {
      if (nameKey(s.name) === key) throw new DuplicateKeyError('name', `a schedule named '${s.name}' exists`);
    }
    if (this.schedules.has(schedule.id)) throw new DuplicateKeyError('id', `a schedule with id ${schedule.id} exists`);
    this.schedules.set(schedule.id, clone(schedule));
    return clone(schedule);
  }

  /** {@inheritDoc Datastore.scheduleGet} */
  async scheduleGet(id: string): Promise<Schedule | undefined> {
    const s = this.schedules.get(id);
    return s && clone(s);
  }

  /** {@inheritDoc Datastore.scheduleGetByName} */
  async scheduleGetByName(name: string): Promise<Schedule | undefined> {
    const key = nameKey(name);
    for (const s of this.schedules.values()) if (nameKey(s.name) === key) return clone(s);
    return undefined;
  }

  /** {@inheritDoc Datastore.scheduleList} */
  async scheduleList(params: { states?: ScheduleState[]; limit?: number } = {}): Promise<Schedule[]> {
    return [...this.schedules.values()]
      .filter((s) => !params.states || params.states.includes(s.state))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .slice(0, params.limit ?? 1000)
      .map(clone);
  }

  /** {@inheritDoc Datastore.scheduleSetState} */
  async scheduleSetState(
    params: { id: string; state: ScheduleState; nextFireAt?: number | null } & ClockParams,
  ): Promise<Schedule | undefined> {
    const s = this.schedules.get(params.id);
    if (!s || s.state === 'retired') return undefined;
    s.state = params.state;
    s.fence += 1;
    s.leaseOwner = null;
    s.leaseExpiresAt = null;
    if (params.nextFireAt !== undefined) s.nextFireAt = params.nextFireAt;
    s.updatedAt = this.now(params);
    return clone(s);
  }

  /** {@inheritDoc Datastore.scheduleDelete} */
  async scheduleDelete(id: string): Promise<boolean> {
    if (!this.schedules.delete(id)) return false;
    for (const [taskId, t] of this.tasks) {
      if (t.scheduleId !== id) continue;
      this.tasks.delete(taskId);
      this.taskKeys.delete(`${id}/${t.fireAt}`);
    }
    const kept = this.events.filter((e) => this.tasks.has(e.taskId));
    this.events.splice(0, this.events.length, ...kept);
    this.slots.delete(id);
    return true;
  }

  /** {@inheritDoc Datastore.scheduleClaimDue} */
  async scheduleClaimDue(
    params: { owner: string; limit: number; lookaheadMs: number; leaseMs: number } & ClockParams,
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

  /** {@inheritDoc Datastore.schedulePeel} */
  async schedulePeel(params: SchedulePeelParams): Promise<SchedulePeelResult> {
    const now = this.now(params);
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
        attempt: 0,
        failures: 0,
        repairs: 0,
        fence: 0,
        executor: s.executor,
        payload: clone(s.payload),
        policies: {
          duplicate: s.policies.duplicate,
          retry: clone(s.policies.retry),
          timeoutMs: s.policies.timeoutMs,
          priority: s.policies.priority,
          delivery: s.policies.delivery,
          taskCreation: s.policies.taskCreation,
        },
        leaseOwner: null,
        leaseExpiresAt: null,
        nodeId: null,
        startedAt: null,
        endedAt: isTerminalTaskState(n.state) ? now : null,
        result: null,
        error: null,
        executionId: null,
        cancelRequested: false,
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
    return { ok: true, created };
  }

  /** {@inheritDoc Datastore.taskClaimDue} */
  async taskClaimDue(params: TaskClaimDueParams): Promise<TaskClaimDueResult> {
    const now = this.now(params);
    const settled: Task[] = [];
    const started: Task[] = [];
    const pending = [...this.tasks.values()].filter((t) => t.state === 'pending' && t.dueAt <= now);
    for (const t of pending) {
      if (t.deadlineAt !== null && t.deadlineAt < now) {
        t.state = 'missed';
        t.reason = `not started before its starting deadline ${new Date(t.deadlineAt).toISOString()}`;
        t.endedAt = now;
        t.updatedAt = now;
        this.record(t, 'pending', now, params.nodeId);
        this.ungate(t, now, 'end');
        settled.push(clone(t));
      }
    }
    const candidates = pending
      .filter((t) => t.state === 'pending' && params.executors.includes(t.executor))
      .sort((a, b) => b.policies.priority - a.policies.priority || a.dueAt - b.dueAt)
      .slice(0, params.limit);
    for (const t of candidates) {
      if (t.policies.duplicate === 'skip') {
        const holder = this.slots.get(t.scheduleId);
        // An expired holder still running waits for repair to supersede its fence.
        if (holder && holder.taskId !== t.id && holder.expiresAt <= now && this.tasks.get(holder.taskId)?.state === 'running') continue;
        if (holder && holder.taskId !== t.id && holder.expiresAt > now) {
          t.state = 'skipped';
          t.reason = `skipped: task ${holder.taskId} of the schedule is still running`;
          t.endedAt = now;
          t.updatedAt = now;
          this.record(t, 'pending', now, params.nodeId);
          this.ungate(t, now, 'end');
          settled.push(clone(t));
          continue;
        }
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

  private holds(t: Task | undefined, owner: string, fence: number, now: number): t is Task {
    return !!t && t.state === 'running' && t.leaseOwner === owner && t.fence === fence && (t.leaseExpiresAt ?? 0) > now;
  }

  /** {@inheritDoc Datastore.taskRenewLeases} */
  async taskRenewLeases(params: TaskRenewLeasesParams): Promise<TaskRenewLeasesResult> {
    const now = this.now(params);
    const expiresAt = now + params.leaseMs;
    const result: TaskRenewLeasesResult = { renewed: [], lost: [], cancelRequested: [], expiresAt };
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
    }
    return result;
  }

  /** {@inheritDoc Datastore.taskFinish} */
  async taskFinish(params: TaskFinishParams): Promise<Task | undefined> {
    const now = this.now(params);
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
    if (o.state === 'pending') {
      t.dueAt = o.dueAt;
      t.error = o.error;
      if (o.countFailure) t.failures += 1;
    } else if (o.state === 'failed') {
      t.failures += 1;
    }
    this.releaseSlot(t);
    this.record(t, 'running', now, params.nodeId);
    if (isTerminalTaskState(t.state)) this.ungate(t, now, 'end');
    return clone(t);
  }

  /** {@inheritDoc Datastore.taskRepairExpired} */
  async taskRepairExpired(params: TaskRepairExpiredParams): Promise<RepairedTask[]> {
    const now = this.now(params);
    const expired = [...this.tasks.values()]
      .filter((t) => t.state === 'running' && t.leaseExpiresAt !== null && t.leaseExpiresAt <= now)
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
      t.reason = repairReason(t.state, previousOwner, t.repairs);
      if (t.state === 'pending') t.dueAt = now;
      t.endedAt = now;
      t.leaseOwner = null;
      t.leaseExpiresAt = null;
      t.updatedAt = now;
      this.releaseSlot(t);
      // The event concerns the attempt whose lease expired: its fence, not the new one.
      this.record(t, 'running', now, params.nodeId, t.fence - 1);
      if (t.state !== 'pending') this.ungate(t, now, 'end');
      return { task: clone(t), previousOwner };
    });
  }

  /** {@inheritDoc Datastore.taskRequestCancel} */
  async taskRequestCancel(params: { taskId: string; reason: string } & ClockParams): Promise<Task | undefined> {
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
      t.updatedAt = now;
    }
    return clone(t);
  }

  /** {@inheritDoc Datastore.taskGet} */
  async taskGet(id: string): Promise<Task | undefined> {
    const t = this.tasks.get(id);
    return t && clone(t);
  }

  /** {@inheritDoc Datastore.taskList} */
  async taskList(params: TaskListParams = {}): Promise<Task[]> {
    return [...this.tasks.values()]
      .filter((t) => (!params.scheduleId || t.scheduleId === params.scheduleId) && (!params.states || params.states.includes(t.state)))
      .sort((a, b) => b.fireAt - a.fireAt)
      .slice(0, params.limit ?? 100)
      .map(clone);
  }

  /** {@inheritDoc Datastore.taskEvents} */
  async taskEvents(taskId: string): Promise<TaskEvent[]> {
    return this.events.filter((e) => e.taskId === taskId).map(clone);
  }

  /** {@inheritDoc Datastore.nodeRegister} */
  async nodeRegister(node: Omit<NodeRecord, 'startedAt' | 'heartbeatAt' | 'stoppedAt'>): Promise<NodeRecord> {
    const now = this.now();
    const record: NodeRecord = { ...clone(node), startedAt: now, heartbeatAt: now, stoppedAt: null };
    this.nodes.set(node.id, record);
    return clone(record);
  }

  /** {@inheritDoc Datastore.nodeHeartbeat} */
  async nodeHeartbeat(params: { id: string; clockOffsetMs: number } & ClockParams): Promise<number> {
    const now = this.now(params);
    const n = this.nodes.get(params.id);
    if (n) {
      n.heartbeatAt = now;
      n.clockOffsetMs = params.clockOffsetMs;
    }
    return now;
  }

  /** {@inheritDoc Datastore.nodeStop} */
  async nodeStop(params: { id: string } & ClockParams): Promise<void> {
    const n = this.nodes.get(params.id);
    if (n) n.stoppedAt = this.now(params);
  }

  /** {@inheritDoc Datastore.nodeList} */
  async nodeList(): Promise<NodeRecord[]> {
    return [...this.nodes.values()].sort((a, b) => Number(a.stoppedAt !== null) - Number(b.stoppedAt !== null)).map(clone);
  }
}
