import type { Datastore, UnofferedBacklog } from '../datastore/datastore.js';
import { SpanKind } from '@opentelemetry/api';
import { SPAN_ATTRIBUTES, inSpan } from '../tracing/spans.js';
import { nameKey } from '../datastore/name-key.js';
import { checkIdArgument, checkListByClientParams, checkScheduleListParams, checkTaskListParams } from '../datastore/read-params.js';
import { NotFoundError } from '../errors/not-found-error.js';
import { UnknownExecutorError } from '../errors/unknown-executor-error.js';
import { ValidationError } from '../errors/validation-error.js';
import type { EventBus } from '../events/event-bus.js';
import { firstFireTime } from '../model/first-fire.js';
import type { NodeRecord } from '../model/node-record.js';
import type { Schedule, ScheduleState } from '../model/schedule.js';
import { validateScheduleInput, type ScheduleInput, type ValidatedSchedule } from '../model/schedule-input.js';
import { submissionOf, type ScheduleSubmission } from '../model/submission.js';
import type { Task, TaskEvent, TaskState } from '../model/task.js';
import { uuidV7, type IdStrategy } from '../strategies/ids.js';
import { createStrategyRegistry, type StrategyRegistry } from '../strategies/registry.js';
import { nextFireTime } from '../trigger/next-fire.js';
import { noWakeSignals, type WakeSignals } from '../wake/wake-signals.js';
import { previewTrigger, type TriggerPreview } from '../trigger/preview.js';
import { plainScheduleInput, type AnyScheduleInput } from '../executor/typed-executor.js';
import { enqueueJobs, type EnqueueOptions } from './enqueue.js';
import type { JobInput } from '../model/job-input.js';
import { syncSchedules, upsertSchedule, type SyncedSchedule, type SyncSchedulesOptions, type UpsertResult } from './schedule-sync.js';

/** How a client is wired. */
export interface ClientOptions {
  /** The shared datastore. */
  datastore: Datastore;
  /** Where schedule events go. Optional: a client need not emit. */
  events?: EventBus;
  /** Executor names that exist without any node offering them (built-in executors). @defaultValue [] */
  builtInExecutors?: string[];
  /** Named strategies a schedule may ask for. @defaultValue the built-ins */
  strategies?: StrategyRegistry;
  /** Primary keys. @defaultValue UUID v7 */
  ids?: IdStrategy;
  /** Largest payload accepted, in bytes of JSON. @defaultValue 65 536 */
  maxPayloadBytes?: number;
  /** Accept cron expressions that fire at more than one second of a minute. @defaultValue true */
  allowSecondsCron?: boolean;
  /**
   * Hints to the nodes that a schedule stored or changed falls due soon, so that idle nodes
   * peel it at once rather than at their next poll. @defaultValue none (the nodes poll)
   */
  wakeSignals?: WakeSignals;
}

/** How far ahead a schedule's first fire time must be for its creation to wake the nodes. */
const WAKE_HORIZON_MS = 60_000;

/**
 * What {@link RookeryClient.updateSchedule} may change: any part of a schedule's definition.
 * A `startAt` or `endAt` of null removes that end of the window.
 */
export type ScheduleChanges = Partial<Pick<ScheduleInput, 'name' | 'executor' | 'payload' | 'trigger' | 'policies'>> & {
  /** New start of the window, or null for none. */
  startAt?: ScheduleInput['startAt'] | null;
  /** New end of the window, or null for none. */
  endAt?: ScheduleInput['endAt'] | null;
};

/** Options of {@link RookeryClient.createSchedule}. */
export interface CreateScheduleOptions {
  /** Accept an executor name no registered node offers yet (a schedule created ahead of its nodes). */
  force?: boolean;
}

/** Options of {@link RookeryClient.createSchedules}. */
export interface CreateSchedulesOptions extends CreateScheduleOptions {
  /** Schedules written per transaction, 1 to 10 000. @defaultValue 500 */
  batchSize?: number;
}

/**
 * Manages schedules and reads tasks and nodes. Every method validates its input first and
 * writes nothing when it throws.
 */
export class RookeryClient {
  private readonly datastore: Datastore;
  private readonly events: EventBus | undefined;
  private readonly builtIns: string[];
  private readonly strategies: StrategyRegistry;
  private readonly ids: IdStrategy;
  private readonly maxPayloadBytes: number;
  private readonly allowSecondsCron: boolean;
  private readonly wakeSignals: WakeSignals;

  /** @param options - how the client is wired */
  constructor(options: ClientOptions) {
    this.datastore = options.datastore;
    this.events = options.events;
    this.builtIns = options.builtInExecutors ?? [];
    this.strategies = options.strategies ?? createStrategyRegistry();
    this.ids = options.ids ?? uuidV7;
    this.maxPayloadBytes = options.maxPayloadBytes ?? 65_536;
    this.allowSecondsCron = options.allowSecondsCron ?? true;
    this.wakeSignals = options.wakeSignals ?? noWakeSignals;
  }

  /**
   * Wakes idle nodes when one of `schedules` is active and falls due within the wake horizon:
   * announces its next fire time (now, if that has passed), so that a node sleeping through a
   * long poll wait wakes when the schedule falls due and peels it then. (Announcing `now` would
   * wake them before the schedule is within their lookahead, to find nothing and sleep again.)
   */
  private wakeNodesFor(schedules: readonly Schedule[], now: number): void {
    let earliest = Infinity;
    for (const s of schedules) {
      if (s.state === 'active' && s.nextFireAt !== null && s.nextFireAt <= now + WAKE_HORIZON_MS) earliest = Math.min(earliest, s.nextFireAt);
    }
    if (earliest < Infinity) this.wakeSignals.announce(Math.max(now, earliest));
  }

  /** Executor names known to the cluster: the built-ins and those offered by registered nodes. */
  async knownExecutors(): Promise<string[]> {
    const nodes = await this.datastore.nodeList();
    return [...new Set([...this.builtIns, ...nodes.flatMap((n) => n.executors)])].sort();
  }

  /**
   * Validates and stores a schedule. Returns after it is stored. Throws a
   * {@link ValidationError} naming the field (nothing written), an {@link UnknownExecutorError}
   * for an executor nobody offers (unless `force`), or a DuplicateKeyError for a taken name.
   *
   * With `clientId`, the schedule itself is checked here but its executor and payload are left
   * to the cluster: it is stored `pending-validation` (never peeled) and returned at once; a
   * node that has the executor runs its `validate` and activates or rejects it, and
   * {@link RookeryClient.validations} lists the outcome. An executor no node has yet leaves it
   * pending, listed as such.
   *
   * The executor may be given as a typed executor (`defineExecutor` of `@rookery/executor`)
   * instead of its name: the payload then has its type, and its `validate` refuses a bad
   * payload with a ValidationError naming the field (`payload.to`) before anything is written.
   * Traced as a `rookery.enqueue` span carrying the schedule id.
   */
  createSchedule<Payload>(typedInput: AnyScheduleInput<Payload>, options: CreateScheduleOptions = {}): Promise<Schedule> {
    return inSpan({ name: 'rookery.enqueue', kind: SpanKind.PRODUCER }, async (span) => {
      const created = await this.createScheduleTraced(typedInput, options);
      span.setAttribute(SPAN_ATTRIBUTES.scheduleId, created.id);
      return created;
    });
  }

  private async createScheduleTraced<Payload>(typedInput: AnyScheduleInput<Payload>, options: CreateScheduleOptions): Promise<Schedule> {
    const input = await plainScheduleInput(typedInput);
    // The database clock is the cluster clock: a client whose own clock is off still plans the
    // first fire time, and judges a one-shot "in the past", as the nodes will.
    const now = await this.datastore.clockNow();
    const schedule = this.plan(input, now);
    if (!options.force && schedule.clientId === null) {
      const known = await this.knownExecutors();
      if (!known.includes(schedule.executor)) throw new UnknownExecutorError(schedule.executor, known);
    }
    const stored = await this.datastore.scheduleCreate(schedule);
    this.events?.emit('scheduleCreated', stored);
    this.wakeNodesFor([stored], now);
    return stored;
  }

  /**
   * Enqueues a job: a task with no schedule and no name, pending until `runAt` (now by
   * default), then claimed and run like any task (retries, timeout, priority, cancel, history,
   * logs, fencing, repair). Returns the task, and `created` false when `key` is held by a
   * pending or running task: that task is returned and nothing is written. Throws a
   * {@link ValidationError} naming the field (nothing written), or an
   * {@link UnknownExecutorError} for an executor nobody offers (unless `force`; built-in
   * executors are always known). Wakes idle nodes for a job due within a minute.
   */
  async enqueue(input: JobInput, options: EnqueueOptions = {}): Promise<{ task: Task; created: boolean }> {
    const [result] = await enqueueJobs(this.enqueueDeps(), [input], options, false);
    if (!result) throw new Error('taskEnqueue answered no task for one job');
    return result;
  }

  /**
   * Enqueues many jobs, as {@link RookeryClient.enqueue} does one, in one transaction: every
   * input is checked first (a ValidationError whose field starts with its index, `[3].runAt`,
   * and nothing written). A key given twice in one call yields one task: the later input's
   * answer is the earlier one's task, with `created` false. Answers in input order.
   */
  async enqueueMany(inputs: readonly JobInput[], options: EnqueueOptions = {}): Promise<{ task: Task; created: boolean }[]> {
    return enqueueJobs(this.enqueueDeps(), inputs, options, true);
  }

  private enqueueDeps(): Parameters<typeof enqueueJobs>[0] {
    return {
      datastore: this.datastore,
      events: this.events,
      ids: this.ids,
      maxPayloadBytes: this.maxPayloadBytes,
      wakeSignals: this.wakeSignals,
      knownExecutors: () => this.knownExecutors(),
    };
  }

  /**
   * Validates and stores many schedules, as {@link RookeryClient.createSchedule} does one. Every
   * input is checked before anything is written: a bad one throws a {@link ValidationError}
   * whose field starts with its index (`[3].trigger.everyMs`; `[3].executor` for an unknown
   * executor, unless `force`; `[5].name` for a name given twice) and nothing is stored. The
   * schedules are then written `batchSize` at a time, each batch in one transaction. A name
   * already taken in the store refuses its batch with a DuplicateKeyError; the batches before
   * it stay stored. Returns the stored schedules in input order.
   */
  async createSchedules(inputs: readonly ScheduleInput[], options: CreateSchedulesOptions = {}): Promise<Schedule[]> {
    const batchSize = options.batchSize ?? 500;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new ValidationError('batchSize', `must be a whole number from 1 to 10 000, got ${batchSize}`);
    const now = await this.datastore.clockNow();
    const names = new Map<string, number>();
    const schedules = inputs.map((input, i) => {
      let schedule: Schedule;
      try {
        schedule = this.plan(input, now);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        throw new ValidationError(`[${i}].${error.field}`, error.message.slice(error.field.length + 2), { cause: error });
      }
      const key = nameKey(schedule.name);
      const first = names.get(key);
      if (first !== undefined) throw new ValidationError(`[${i}].name`, `'${schedule.name}' is the name of input ${first} too (names compare after NFC normalisation and case folding)`);
      names.set(key, i);
      return schedule;
    });
    if (!options.force && schedules.some((s) => s.clientId === null)) {
      const known = await this.knownExecutors();
      const unknown = schedules.findIndex((s) => s.clientId === null && !known.includes(s.executor));
      const schedule = schedules[unknown];
      if (schedule) {
        const error = new UnknownExecutorError(schedule.executor, known);
        throw new ValidationError(`[${unknown}].${error.field}`, error.message.slice(error.field.length + 2), { cause: error });
      }
    }
    for (let from = 0; from < schedules.length; from += batchSize) {
      const batch = schedules.slice(from, from + batchSize);
      await this.datastore.scheduleCreateMany(batch);
      for (const s of batch) this.events?.emit('scheduleCreated', s);
      this.wakeNodesFor(batch, now);
    }
    return schedules;
  }

  /**
   * Validates a schedule input as of `now` (the database clock) and checks that every strategy
   * its policies name is registered: a ValidationError naming the field otherwise.
   */
  private validate(input: ScheduleInput, now: number): ValidatedSchedule {
    const valid = validateScheduleInput(input, { now, maxPayloadBytes: this.maxPayloadBytes, allowSecondsCron: this.allowSecondsCron });
    const p = valid.policies;
    this.strategies.get('duplicate', p.duplicate, 'policies.duplicate');
    this.strategies.get('misfire', p.misfire, 'policies.misfire');
    this.strategies.get('retry', p.retry.kind, 'policies.retry.kind');
    this.strategies.get('taskCreation', p.taskCreation, 'policies.taskCreation');
    this.strategies.get('delivery', p.delivery, 'policies.delivery');
    return valid;
  }

  /**
   * Checks one input (not whether its executor exists) and builds its schedule row as of `now`.
   */
  private plan(input: ScheduleInput, now: number): Schedule {
    const valid = this.validate(input, now);
    const p = valid.policies;
    const submitted = valid.clientId !== null;
    const first = submitted ? null : firstFireTime({ trigger: valid.trigger, startAt: valid.startAt, policies: p, createdAt: now }, now);
    return {
      id: this.ids(now),
      name: valid.name,
      executor: valid.executor,
      payload: valid.payload,
      trigger: valid.trigger,
      startAt: valid.startAt,
      endAt: valid.endAt,
      policies: p,
      state: submitted ? 'pending-validation' : valid.paused ? 'paused' : 'active',
      clientId: valid.clientId,
      validation: null,
      nextFireAt: first,
      gateTaskId: null,
      leaseOwner: null,
      leaseExpiresAt: null,
      fence: 0,
      createdAt: now,
      updatedAt: now,
    };
  }

  /**
   * Changes what an active or paused schedule runs and when: any of its name, executor,
   * payload, trigger, window and policies (policies are merged into the current ones; a
   * `retry` or `dst` given replaces that part). The result is validated exactly like a new
   * schedule (a ValidationError naming the field, nothing written) and its next fire time is
   * planned afresh from now (database clock). Tasks peeled ahead under the old definition that
   * have not fallen due are withdrawn; tasks already due or running finish under the old one.
   * A retired, rejected or pending schedule cannot change (ValidationError on `state`).
   */
  async updateSchedule(idOrName: string, changes: ScheduleChanges, options: CreateScheduleOptions = {}): Promise<Schedule> {
    const current = await this.getSchedule(idOrName);
    if (current.state !== 'active' && current.state !== 'paused') {
      throw new ValidationError('state', `schedule '${current.name}' is ${current.state} and cannot change (only active and paused schedules can)`);
    }
    const now = await this.datastore.clockNow();
    const startAt = changes.startAt === undefined ? current.startAt : changes.startAt;
    const endAt = changes.endAt === undefined ? current.endAt : changes.endAt;
    const input: ScheduleInput = {
      ...(startAt !== null ? { startAt } : {}),
      ...(endAt !== null ? { endAt } : {}),
      name: changes.name ?? current.name,
      executor: changes.executor ?? current.executor,
      payload: changes.payload === undefined ? current.payload : changes.payload,
      trigger: changes.trigger ?? current.trigger,
      policies: { ...current.policies, ...changes.policies, retry: { ...current.policies.retry, ...changes.policies?.retry }, dst: { ...current.policies.dst, ...changes.policies?.dst } },
    };
    const valid = this.validate(input, now);
    const p = valid.policies;
    if (!options.force && valid.executor !== current.executor) {
      const known = await this.knownExecutors();
      if (!known.includes(valid.executor)) throw new UnknownExecutorError(valid.executor, known);
    }
    const definition = { name: valid.name, executor: valid.executor, payload: valid.payload, trigger: valid.trigger, startAt: valid.startAt, endAt: valid.endAt, policies: p };
    const nextFireAt = firstFireTime({ ...definition, createdAt: current.createdAt }, now);
    const updated = await this.datastore.scheduleUpdate({ id: current.id, definition, nextFireAt });
    if (!updated) throw new ValidationError('state', `schedule '${current.name}' changed state meanwhile and cannot be updated`);
    this.events?.emit('scheduleUpdated', updated);
    this.wakeNodesFor([updated], now);
    return updated;
  }

  /**
   * Creates the schedule of the input's name, or brings the stored one in line with it, so that
   * a process may declare its schedules every time it starts. Compares name spelling,
   * executor, payload, trigger, window and policies: `unchanged` writes nothing, `updated`
   * changes the schedule as {@link RookeryClient.updateSchedule} does (its next fire time
   * planned afresh), `created` stores it as {@link RookeryClient.createSchedule} does. A
   * paused schedule stays paused (`paused` counts at creation only); a retired or rejected
   * one that differs is refused (ValidationError on `state`: delete it to reuse the name).
   * Safe from several processes at once. Takes a typed executor as `createSchedule` does;
   * `clientId` is refused.
   */
  async upsertSchedule<Payload>(input: AnyScheduleInput<Payload>, options: CreateScheduleOptions = {}): Promise<UpsertResult> {
    return upsertSchedule(this, this.datastore, input as AnyScheduleInput, options);
  }

  /**
   * Upserts each schedule of `inputs` in order (see {@link RookeryClient.upsertSchedule}) and,
   * with `prune`, deletes every stored schedule whose name is not among them. Every input is
   * checked first (a ValidationError whose field starts with its index, `[2].trigger.tz`;
   * `[4].name` for a name given twice; `[1].executor` for an executor no node offers, unless
   * `force`), and nothing is written when one is bad. Returns what became of each schedule by
   * name: `created`, `updated`, `unchanged`, then `deleted` ones.
   */
  async syncSchedules<Payloads extends readonly unknown[]>(inputs: { readonly [K in keyof Payloads]: AnyScheduleInput<Payloads[K]> }, options: SyncSchedulesOptions = {}): Promise<SyncedSchedule[]> {
    return syncSchedules(this, this.datastore, inputs as readonly AnyScheduleInput[], options);
  }

  /** A schedule by id or name; throws {@link NotFoundError}, or a {@link ValidationError} on `idOrName` when it is not a string. */
  async getSchedule(idOrName: string): Promise<Schedule> {
    checkIdArgument('idOrName', idOrName);
    const byId = await this.datastore.scheduleGet(idOrName);
    const found = byId ?? (await this.datastore.scheduleGetByName(idOrName));
    if (!found) throw new NotFoundError('schedule', idOrName);
    return found;
  }

  /**
   * The next `count` fire times of a schedule from now (database clock), from its trigger,
   * window and DST policy, with DST notes and warnings (see `previewTrigger`). A paused
   * schedule is previewed as if resumed now, with a warning; a retired one lists nothing.
   * Throws {@link NotFoundError}, or a {@link ValidationError} on `count` (1..1000).
   */
  async previewSchedule(idOrName: string, count = 10): Promise<TriggerPreview> {
    const s = await this.getSchedule(idOrName);
    const now = await this.datastore.clockNow();
    const preview = previewTrigger(s.trigger, { count, from: now, dst: s.policies.dst, startAt: s.startAt, endAt: s.endAt, createdAt: s.createdAt });
    if (s.state === 'retired' || s.state === 'rejected') return { fireTimes: [], warnings: [`never fires: schedule '${s.name}' is ${s.state}`] };
    if (s.state === 'pending-validation') preview.warnings.unshift(`schedule '${s.name}' is pending validation: it fires only once a node has validated it`);
    if (s.state === 'paused') preview.warnings.unshift(`schedule '${s.name}' is paused: these fire times run only if it is resumed before them`);
    return preview;
  }

  /**
   * The schedules `clientId` submitted (see `ScheduleInput.clientId`), oldest first, with
   * where each validation stands: pending, active, or rejected with the field and reason.
   */
  async validations(params: { clientId: string; limit?: number }): Promise<ScheduleSubmission[]> {
    checkListByClientParams(params);
    const schedules = await this.datastore.scheduleListByClient(params);
    return schedules.map(submissionOf);
  }

  /** Schedules by name. A bad `states` or `limit` is a {@link ValidationError} naming it. */
  async listSchedules(params: { states?: ScheduleState[]; limit?: number } = {}): Promise<Schedule[]> {
    checkScheduleListParams(params);
    return this.datastore.scheduleList(params);
  }

  /**
   * Pauses a schedule: no new tasks are peeled until it is resumed, and the tasks peeled
   * ahead that have not fallen due are withdrawn (deleted with their events; one a node
   * claimed at that moment runs to its end).
   */
  async pauseSchedule(idOrName: string): Promise<Schedule> {
    const s = await this.setState(idOrName, 'paused');
    this.events?.emit('schedulePaused', s);
    return s;
  }

  /**
   * Resumes a paused schedule. Fire times that fell while it was paused are not run: the next
   * fire time is planned from now.
   */
  async resumeSchedule(idOrName: string): Promise<Schedule> {
    const current = await this.getSchedule(idOrName);
    const now = await this.datastore.clockNow();
    const next =
      current.trigger.kind === 'after-run'
        ? current.gateTaskId === null ? now : null
        : nextFireTime(current.trigger, Math.max(now - 1, current.nextFireAt === null ? now - 1 : Math.min(current.nextFireAt, now) - 1), {
            dst: current.policies.dst,
            createdAt: current.createdAt,
          });
    const s = await this.setState(idOrName, 'active', next);
    this.events?.emit('scheduleResumed', s);
    this.wakeNodesFor([s], now);
    return s;
  }

  /**
   * Retires a schedule ("puts it out to pasture"): it never fires again; its ledger stays. The
   * tasks peeled ahead that have not fallen due are withdrawn, as by {@link RookeryClient.pauseSchedule}.
   */
  async retireSchedule(idOrName: string): Promise<Schedule> {
    const s = await this.setState(idOrName, 'retired', null);
    this.events?.emit('scheduleRetired', s);
    return s;
  }

  /** Deletes a schedule and its whole ledger. */
  async deleteSchedule(idOrName: string): Promise<void> {
    const s = await this.getSchedule(idOrName);
    await this.datastore.scheduleDelete(s.id);
    this.events?.emit('scheduleDeleted', s.id);
  }

  private async setState(idOrName: string, state: ScheduleState, nextFireAt?: number | null): Promise<Schedule> {
    const s = await this.getSchedule(idOrName);
    const updated = await this.datastore.scheduleSetState({ id: s.id, state, ...(nextFireAt !== undefined ? { nextFireAt } : {}) });
    if (!updated) throw new ValidationError('state', `schedule '${s.name}' is ${s.state} and cannot change (only active and paused schedules can)`);
    return updated;
  }

  /**
   * Tasks, newest fire time first, optionally of one schedule (id or name) and in some states.
   * A bad `schedule`, `states` or `limit` is a {@link ValidationError} naming it.
   */
  async listTasks(params: { schedule?: string; states?: TaskState[]; limit?: number } = {}): Promise<Task[]> {
    if (params.schedule !== undefined) checkIdArgument('schedule', params.schedule);
    checkTaskListParams({ states: params.states, limit: params.limit });
    const scheduleId = params.schedule ? (await this.getSchedule(params.schedule)).id : undefined;
    return this.datastore.taskList({
      ...(scheduleId ? { scheduleId } : {}),
      ...(params.states ? { states: params.states } : {}),
      ...(params.limit ? { limit: params.limit } : {}),
    });
  }

  /** One task; throws {@link NotFoundError}. */
  async getTask(id: string): Promise<Task> {
    checkIdArgument('id', id);
    const t = await this.datastore.taskGet(id);
    if (!t) throw new NotFoundError('task', id);
    return t;
  }

  /**
   * Cancels a task: a pending one becomes `cancelled` at once; a running one is asked to stop,
   * and its node aborts the attempt (signal reason code `CANCELLED`) and commits `cancelled`
   * under its fence, within a poll wait, or at once when the node shares this client's event
   * bus. A terminal task is left as it is. Returns the task after the request; throws
   * {@link NotFoundError}.
   */
  async cancelTask(id: string, reason = 'cancelled by a client'): Promise<Task> {
    checkIdArgument('id', id);
    checkIdArgument('reason', reason);
    const t = await this.datastore.taskRequestCancel({ taskId: id, reason });
    if (!t) throw new NotFoundError('task', id);
    if (t.state === 'cancelled') this.events?.emit('taskCancelled', t);
    else if (t.state === 'running') this.events?.emit('taskCancelRequested', t);
    return t;
  }

  /** A task's state transitions, oldest first. */
  async taskHistory(id: string): Promise<TaskEvent[]> {
    checkIdArgument('id', id);
    return this.datastore.taskEvents(id);
  }

  /** Registered nodes. */
  async listNodes(): Promise<NodeRecord[]> {
    return this.datastore.nodeList();
  }

  /**
   * Work nobody can run: the pending tasks, counted by executor, of the executors that no node
   * seen running within the last `liveWithinMs` (database clock: its latest heartbeat, or when it
   * stopped) offers. Such tasks wait until a node offering their executor starts, or until the
   * nodes' retention fails them (`retention.unresolvedAfterMs`).
   */
  async listUnofferedWork(liveWithinMs: number): Promise<UnofferedBacklog[]> {
    const now = await this.datastore.clockNow();
    return this.datastore.taskBacklogUnoffered({ offeredSince: now - liveWithinMs });
  }
}
