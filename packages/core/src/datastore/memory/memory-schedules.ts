import { DuplicateKeyError } from '../../errors/duplicate-key-error.js';
import type { Schedule } from '../../model/schedule.js';
import { taskPoliciesOf } from '../../model/task-policies.js';
import { isTerminalTaskState, type Task } from '../../model/task.js';
import { untakenFireTime } from '../../model/untaken-fire-time.js';
import type {
  ScheduleUpdateParams,
  ScheduleClaimDueParams,
  ScheduleSetStateParams,
  ScheduleClaimValidationParams,
  ScheduleListByClientParams,
  SchedulePeelManyParams,
  SchedulePeelParams,
  SchedulePeelResult,
  ScheduleValidateParams,
  ScheduleListParams,
} from '../datastore.js';
import { scheduleClaimValidation, scheduleListByClient, scheduleValidate } from './memory-validation.js';
import { scheduleList } from './memory-reads.js';
import { schedulePruneDone, taskRetry, scheduleRunNow, type MemoryLedger } from './memory-operator-actions.js';
import type {
  ScheduleRunNowParams,
  SchedulePruneDoneParams,
  TaskRetryParams,
  TaskRetryResult,
} from '../operator-actions.js';
import { nameKey } from '../name-key.js';
import { checkIdArgument, checkListByClientParams, checkNameKey, checkScheduleListParams } from '../read-params.js';
import { clone, MemoryState } from './memory-state.js';

/** The schedule methods of the in-memory datastore. */
export abstract class MemorySchedules extends MemoryState {
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
  async scheduleSetState(params: ScheduleSetStateParams): Promise<Schedule | undefined> {
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
      if (other.id !== s.id && nameKey(other.name) === key)
        throw new DuplicateKeyError('name', `a schedule named '${other.name}' exists`);
    }
    const now = this.now(params);
    Object.assign(s, params.definition, {
      name,
      nextFireAt: params.nextFireAt,
      leaseOwner: null,
      leaseExpiresAt: null,
      updatedAt: now,
    });
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
    const chosen = [...this.tasks.values()]
      .filter((t) => t.scheduleId === s.id && notStarted(t) && (scope === 'all' || t.fireAt > now))
      .map((t) => t.id);
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

  /** {@inheritDoc Datastore.scheduleClaimDue} */
  async scheduleClaimDue(params: ScheduleClaimDueParams): Promise<Schedule[]> {
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
    // Owner and fence, not expiry: see Datastore.schedulePeelMany for why an expired, unclaimed lease may still peel.
    if (!s || s.state !== 'active' || s.leaseOwner !== params.owner || s.fence !== params.fence) {
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
}
