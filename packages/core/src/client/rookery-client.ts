// Over 400 lines: the client's whole public surface, one documented method per operation, each
// delegating to the file of its idea in this folder.
import { SpanKind } from '@opentelemetry/api';
import { SPAN_ATTRIBUTES, inSpan } from '../tracing/spans.js';
import type { Datastore, TaskLogLine, UnofferedBacklog } from '../datastore/datastore.js';
import type { CallerTransactions, DatastoreInTransaction } from '../datastore/caller-transaction.js';
import {
  checkIdArgument,
  checkListByClientParams,
  checkScheduleListParams,
  checkTaskListParams,
  checkTaskLogReadParams,
} from '../datastore/read-params.js';
import { NotFoundError } from '../errors/not-found-error.js';
import { UnknownExecutorError } from '../errors/unknown-executor-error.js';
import { ValidationError } from '../errors/validation-error.js';
import type { EventBus } from '../events/event-bus.js';
import { firstFireTime } from '../model/first-fire.js';
import type { NodeRecord } from '../model/node-record.js';
import type { Schedule, ScheduleState } from '../model/schedule.js';
import type { ScheduleInput } from '../model/schedule-input.js';
import { submissionOf, type ScheduleSubmission } from '../model/submission.js';
import type { Task, TaskEvent, TaskState } from '../model/task.js';
import { uuidV7, type IdStrategy } from '../strategies/ids.js';
import { createStrategyRegistry, type StrategyRegistry } from '../strategies/registry.js';
import { noWakeSignals, type WakeKind, type WakeSignals } from '../wake/wake-signals.js';
import type { TriggerPreview } from '../trigger/preview.js';
import { previewSchedule, wakeNodesFor } from './schedule-wake-preview.js';
import { plainScheduleInput, type AnyScheduleInput } from '../executor/typed-executor.js';
import { enqueueJobs, type EnqueueDeps, type EnqueueOptions } from './enqueue.js';
import type { JobInput } from '../model/job-input.js';
import { pageSchedules, pageTasks, type Page, type SchedulePageParams, type TaskPageParams } from './list-pages.js';
import { clusterOverview, type ClusterOverview } from './overview.js';
import { datastoreFor, type TransactionOption } from './transaction-option.js';
import {
  resumeSchedule,
  runSchedule,
  setScheduleState,
  type LifecycleDeps,
  type RunScheduleOptions,
} from './schedule-lifecycle.js';
import { cancelTask, retryTask } from './task-operations.js';
import {
  checkScheduleExecutors,
  mergeChanges,
  planSchedule,
  planSchedules,
  validateSchedule,
  type CreateScheduleOptions,
  type CreateSchedulesOptions,
  type PlanningDeps,
  type ScheduleChanges,
} from './schedule-planning.js';
import {
  syncSchedules,
  upsertSchedule,
  type SyncedSchedule,
  type SyncSchedulesOptions,
  type UpsertResult,
} from './schedule-sync.js';

/**
 * How a client is wired. `Handle` is the kind of transaction handle its datastore accepts
 * (inferred from the datastore; `never` for one that accepts none).
 */
export interface ClientOptions<Handle = never> {
  /** The shared datastore. */
  datastore: Datastore & Partial<CallerTransactions<Handle>>;
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

export type { CreateScheduleOptions, CreateSchedulesOptions, ScheduleChanges } from './schedule-planning.js';

/**
 * Manages schedules and reads tasks and nodes. Every method validates its input first and
 * writes nothing when it throws. `Handle` is the kind of transaction handle the datastore
 * accepts as the `transaction` option of `enqueue`, `enqueueMany` and `createSchedule`.
 */
export class RookeryClient<Handle = never> {
  private readonly datastore: Datastore & Partial<CallerTransactions<Handle>>;
  private readonly events: EventBus | undefined;
  private readonly builtIns: string[];
  private readonly strategies: StrategyRegistry;
  private readonly ids: IdStrategy;
  private readonly maxPayloadBytes: number;
  private readonly allowSecondsCron: boolean;
  private readonly wakeSignals: WakeSignals;

  /** @param options - how the client is wired */
  constructor(options: ClientOptions<Handle>) {
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
   * Wakes idle nodes for the earliest of `schedules` due within the wake horizon (see
   * {@link wakeNodesFor}); inside the caller's transaction, on its commit where the wake
   * signals can, else not at all.
   */
  private async wakeNodesFor(schedules: readonly Schedule[], now: number, transaction?: Handle): Promise<void> {
    await wakeNodesFor((dueAt) => this.announce(dueAt, 'schedules', transaction), schedules, now);
  }

  /**
   * Announces `dueAt` of `kind`: at once, or inside the caller's transaction where the wake
   * signals can (delivered on commit); otherwise not at all, so that no uncommitted work is
   * announced.
   */
  private async announce(dueAt: number, kind: WakeKind, transaction: Handle | undefined): Promise<void> {
    if (transaction === undefined) this.wakeSignals.announce(dueAt, kind);
    else await this.wakeSignals.announceInTransaction?.(dueAt, transaction, kind);
  }

  /** Executor names known to the cluster: the built-ins and those offered by registered nodes. */
  async knownExecutors(): Promise<string[]> {
    return this.knownIn(this.datastore);
  }

  /** {@link RookeryClient.knownExecutors}, reading the nodes through `store`. */
  private async knownIn(store: Pick<DatastoreInTransaction, 'nodeList'>): Promise<string[]> {
    const nodes = await store.nodeList();
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
   *
   * With `transaction`, the schedule is written in your open transaction and exists if and
   * only if it commits (see {@link TransactionOption.transaction}). Traced as a
   * `rookery.enqueue` span carrying the schedule id.
   */
  createSchedule<Payload>(
    typedInput: AnyScheduleInput<Payload>,
    options: CreateScheduleOptions & TransactionOption<Handle> = {},
  ): Promise<Schedule> {
    return inSpan({ name: 'rookery.enqueue', kind: SpanKind.PRODUCER }, async (span) => {
      const created = await this.createScheduleTraced(typedInput, options);
      span.setAttribute(SPAN_ATTRIBUTES.scheduleId, created.id);
      return created;
    });
  }

  private async createScheduleTraced<Payload>(
    typedInput: AnyScheduleInput<Payload>,
    options: CreateScheduleOptions & TransactionOption<Handle>,
  ): Promise<Schedule> {
    const input = await plainScheduleInput(typedInput);
    const store = await datastoreFor(this.datastore, options.transaction);
    // The database clock is the cluster clock: a client whose own clock is off still plans the
    // first fire time, and judges a one-shot "in the past", as the nodes will.
    const now = await store.clockNow();
    const schedule = planSchedule(this.planning(), input, now);
    if (!options.force && schedule.clientId === null) {
      const known = await this.knownIn(store);
      if (!known.includes(schedule.executor)) throw new UnknownExecutorError(schedule.executor, known);
    }
    const stored = await store.scheduleCreate(schedule);
    if (options.transaction === undefined) this.events?.emit('scheduleCreated', stored);
    await this.wakeNodesFor([stored], now, options.transaction);
    return stored;
  }

  /**
   * Enqueues a job: a task with no schedule and no name, pending until `runAt` (now by
   * default), then claimed and run like any task (retries, timeout, priority, cancel, history,
   * logs, fencing, repair). Returns the task, and `created` false when `key` is held by a
   * pending or running task: that task is returned and nothing is written. Throws a
   * {@link ValidationError} naming the field (nothing written), or an
   * {@link UnknownExecutorError} for an executor nobody offers (unless `force`; built-in
   * executors are always known). Wakes idle nodes for a job due within a minute. With
   * `transaction`, the job is written in your open transaction and exists if and only if it
   * commits (see {@link TransactionOption.transaction}).
   */
  async enqueue(input: JobInput, options: EnqueueOptions<Handle> = {}): Promise<{ task: Task; created: boolean }> {
    const [result] = await enqueueJobs(await this.enqueueDeps(options.transaction), [input], options, false);
    if (!result) throw new Error('taskEnqueue answered no task for one job');
    return result;
  }

  /**
   * Enqueues many jobs, as {@link RookeryClient.enqueue} does one, in one transaction: every
   * input is checked first (a ValidationError whose field starts with its index, `[3].runAt`,
   * and nothing written). A key given twice in one call yields one task: the later input's
   * answer is the earlier one's task, with `created` false. Answers in input order.
   */
  async enqueueMany(
    inputs: readonly JobInput[],
    options: EnqueueOptions<Handle> = {},
  ): Promise<{ task: Task; created: boolean }[]> {
    return enqueueJobs(await this.enqueueDeps(options.transaction), inputs, options, true);
  }

  /** What enqueuing goes through: the datastore, or the caller's transaction (no events then). */
  private async enqueueDeps(transaction: Handle | undefined): Promise<EnqueueDeps> {
    const store = await datastoreFor(this.datastore, transaction);
    return {
      datastore: store,
      events: transaction === undefined ? this.events : undefined,
      ids: this.ids,
      maxPayloadBytes: this.maxPayloadBytes,
      announce: (dueAt) => this.announce(dueAt, 'tasks', transaction),
      knownExecutors: () => this.knownIn(store),
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
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
      throw new ValidationError('batchSize', `must be a whole number from 1 to 10 000, got ${batchSize}`);
    const now = await this.datastore.clockNow();
    const schedules = planSchedules(this.planning(), inputs, now);
    if (!options.force && schedules.some((s) => s.clientId === null))
      checkScheduleExecutors(schedules, await this.knownExecutors());
    for (let from = 0; from < schedules.length; from += batchSize) {
      const batch = schedules.slice(from, from + batchSize);
      await this.datastore.scheduleCreateMany(batch);
      for (const s of batch) this.events?.emit('scheduleCreated', s);
      await this.wakeNodesFor(batch, now);
    }
    return schedules;
  }

  /**
   * Changes what an active or paused schedule runs and when: any of its name, executor,
   * payload, trigger, window and policies (policies are merged into the current ones; a
   * `retry` or `dst` given replaces that part). The result is validated exactly like a new
   * schedule (a ValidationError naming the field, nothing written) and its next fire time is
   * planned afresh from now (database clock). Tasks peeled ahead under the old definition that
   * have not fallen due are withdrawn; tasks already due or running finish under the old one.
   * A retired, rejected, pending or done schedule cannot change (ValidationError on `state`).
   */
  async updateSchedule(
    idOrName: string,
    changes: ScheduleChanges,
    options: CreateScheduleOptions = {},
  ): Promise<Schedule> {
    const current = await this.getSchedule(idOrName);
    if (current.state !== 'active' && current.state !== 'paused') {
      throw new ValidationError(
        'state',
        `schedule '${current.name}' is ${current.state} and cannot change (only active and paused schedules can)`,
      );
    }
    const now = await this.datastore.clockNow();
    const valid = validateSchedule(this.planning(), mergeChanges(current, changes), now);
    const p = valid.policies;
    if (!options.force && valid.executor !== current.executor) {
      const known = await this.knownExecutors();
      if (!known.includes(valid.executor)) throw new UnknownExecutorError(valid.executor, known);
    }
    const definition = {
      name: valid.name,
      executor: valid.executor,
      payload: valid.payload,
      trigger: valid.trigger,
      startAt: valid.startAt,
      endAt: valid.endAt,
      policies: p,
    };
    const nextFireAt = firstFireTime({ ...definition, createdAt: current.createdAt }, now);
    const updated = await this.datastore.scheduleUpdate({ id: current.id, definition, nextFireAt });
    if (!updated)
      throw new ValidationError('state', `schedule '${current.name}' changed state meanwhile and cannot be updated`);
    this.events?.emit('scheduleUpdated', updated);
    await this.wakeNodesFor([updated], now);
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
  async upsertSchedule<Payload>(
    input: AnyScheduleInput<Payload>,
    options: CreateScheduleOptions = {},
  ): Promise<UpsertResult> {
    return upsertSchedule(this, this.datastore, input as AnyScheduleInput, options);
  }

  /**
   * Upserts each schedule of `inputs` in order (see {@link RookeryClient.upsertSchedule}) and,
   * with `prune`, deletes every stored schedule whose name is not among them. Every input is
   * checked first (a ValidationError whose field starts with its index, `[2].trigger.tz`;
   * `[4].name` for a name given twice; `[1].executor` for an executor no node offers, unless
   * `force`; `[3].state` for a changed schedule that is not active or paused), and nothing is
   * written when one is bad. Returns what became of each schedule by name: `created`,
   * `updated`, `unchanged`, then `deleted` ones. `dryRun` writes nothing and answers the same.
   */
  async syncSchedules<Payloads extends readonly unknown[]>(
    inputs: { readonly [K in keyof Payloads]: AnyScheduleInput<Payloads[K]> },
    options: SyncSchedulesOptions = {},
  ): Promise<SyncedSchedule[]> {
    return syncSchedules(this, this.datastore, inputs as readonly AnyScheduleInput[], options, (input, now) =>
      planSchedule(this.planning(), input, now),
    );
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
    return previewSchedule(await this.getSchedule(idOrName), await this.datastore.clockNow(), count);
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
   * One page of schedules by name (NFC, case-insensitive order), optionally in some states and
   * with names containing `q` (ignoring case); pass the page's `nextCursor` back as `cursor` for
   * the next. Each page is one index-served read, however deep. A bad filter, `limit` or
   * `cursor` is a {@link ValidationError} naming it.
   */
  async pageSchedules(params: SchedulePageParams = {}): Promise<Page<Schedule>> {
    return pageSchedules(this.datastore, params);
  }

  /**
   * Pauses a schedule: no new tasks are peeled until it is resumed, and every planned task
   * that has not started, due or not, is withdrawn (deleted with its events), so that no run
   * of it starts after this returns; one a node claimed before that runs to its end, and so do
   * the retries of a run that had started. An {@link InvalidStateError} for a schedule that is
   * not active or paused.
   */
  async pauseSchedule(idOrName: string): Promise<Schedule> {
    const s = await setScheduleState(this.lifecycleDeps(), idOrName, 'paused', 'paused');
    this.events?.emit('schedulePaused', s);
    return s;
  }

  /**
   * Resumes a paused schedule. Fire times that fell while it was paused are not run: the next
   * fire time is planned from now (a `once` schedule whose instant passed meanwhile, with no
   * task left, is `done`). An {@link InvalidStateError} for a retired, rejected, pending or
   * `done` schedule: a done schedule has run its only time and cannot be resumed.
   */
  async resumeSchedule(idOrName: string): Promise<Schedule> {
    const s = await resumeSchedule(this.lifecycleDeps(), idOrName);
    this.events?.emit('scheduleResumed', s);
    await this.wakeNodesFor([s], await this.datastore.clockNow());
    return s;
  }

  /**
   * Retires a schedule ("puts it out to pasture"): it never fires again; its ledger stays. Its
   * planned tasks that have not started are withdrawn, as by {@link RookeryClient.pauseSchedule}.
   */
  async retireSchedule(idOrName: string): Promise<Schedule> {
    const s = await setScheduleState(this.lifecycleDeps(), idOrName, 'retired', 'retired', null);
    this.events?.emit('scheduleRetired', s);
    return s;
  }

  /**
   * Starts an extra occurrence of a schedule now, beside its trigger: a task of the schedule
   * due now (fire time now, database clock), with its executor, task policies (retries,
   * timeout, priority, duplicate, delivery) and payload (or `options.payload` for this run
   * only), recorded in its ledger with reason `manual: run now by an operator`
   * (`MANUAL_RUN_REASON`). The schedule's next fire time does not move. Works on a paused
   * schedule too (the run is an operator's explicit act; the schedule stays paused). An
   * {@link InvalidStateError} for a retired, rejected, pending or done schedule, a
   * {@link ValidationError} on `payload` for a bad payload. Wakes idle nodes.
   */
  async runSchedule(idOrName: string, options: RunScheduleOptions = {}): Promise<Task> {
    return runSchedule(this.lifecycleDeps(), idOrName, options);
  }

  private planning(): PlanningDeps {
    return {
      strategies: this.strategies,
      ids: this.ids,
      maxPayloadBytes: this.maxPayloadBytes,
      allowSecondsCron: this.allowSecondsCron,
    };
  }

  private lifecycleDeps(): LifecycleDeps {
    const { datastore, events, ids, wakeSignals, maxPayloadBytes } = this;
    return {
      datastore,
      events,
      ids,
      wakeSignals,
      maxPayloadBytes,
      getSchedule: (idOrName) => this.getSchedule(idOrName),
    };
  }

  /** Deletes a schedule and its whole ledger. */
  async deleteSchedule(idOrName: string): Promise<void> {
    const s = await this.getSchedule(idOrName);
    await this.datastore.scheduleDelete(s.id);
    this.events?.emit('scheduleDeleted', s.id);
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

  /**
   * One page of tasks, newest fire time first, optionally of one schedule (its occurrence
   * ledger; id or name) or jobs only, in some states, of one executor; pass the page's `nextCursor` back as
   * `cursor` for the next. Each page is one index-served read, however deep. Throws
   * {@link NotFoundError} for an unknown schedule, a {@link ValidationError} naming a bad filter,
   * `limit` or `cursor`.
   */
  async pageTasks(params: TaskPageParams = {}): Promise<Page<Task>> {
    if (params.schedule !== undefined) checkIdArgument('schedule', params.schedule);
    const { schedule, ...rest } = params;
    const scheduleId = schedule === undefined ? undefined : (await this.getSchedule(schedule)).id;
    return pageTasks(this.datastore, { ...rest, ...(scheduleId !== undefined ? { scheduleId } : {}) });
  }

  /**
   * A task's stored log lines after `afterSeq` (0: from the start), oldest first, at most
   * `limit` (default 1000). Throws {@link NotFoundError} for an unknown task.
   */
  async taskLogs(params: { id: string; afterSeq?: number; limit?: number }): Promise<TaskLogLine[]> {
    const read = {
      taskId: params.id,
      ...(params.afterSeq !== undefined ? { afterSeq: params.afterSeq } : {}),
      ...(params.limit !== undefined ? { limit: params.limit } : {}),
    };
    checkTaskLogReadParams(read);
    await this.getTask(params.id);
    return this.datastore.taskLogRead(read);
  }

  /**
   * The cluster at a glance, by the database clock: the nodes (alive, tasks running on each),
   * pending and running tasks, completions and failures of the last hour, the due backlog,
   * start lateness percentiles and starts per second over the last minute.
   */
  async overview(): Promise<ClusterOverview> {
    return clusterOverview(this.datastore);
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
    return cancelTask({ datastore: this.datastore, events: this.events, wakeSignals: this.wakeSignals }, id, reason);
  }

  /**
   * Gives a task that ended without completing (`failed`, `cancelled`, `missed` or
   * `abandoned`: `RETRYABLE_TASK_STATES`) a new attempt: it is `pending` again, due now, with
   * no deadline, and its history records `retried by an operator`; the claim of the new
   * attempt takes attempt + 1 and a new fence. Its retry policy still counts the failures
   * before (one more failure past the policy's attempts fails it for good). A job with a
   * dedupe key takes its key again. Throws {@link NotFoundError}, an {@link InvalidStateError}
   * for a task in any other state, or a DuplicateKeyError on `key` while another live task
   * holds the key (nothing written). Wakes idle nodes.
   */
  async retryTask(id: string): Promise<Task> {
    return retryTask({ datastore: this.datastore, events: this.events, wakeSignals: this.wakeSignals }, id);
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
