import type { Datastore } from '../datastore/datastore.js';
import { InvalidStateError } from '../errors/invalid-state-error.js';
import type { EventBus } from '../events/event-bus.js';
import type { Json } from '../json.js';
import { MANUAL_RUN_REASON } from '../datastore/ledger-reasons.js';
import type { Schedule, ScheduleState } from '../model/schedule.js';
import type { Task } from '../model/task.js';
import { validatePayload } from '../model/schedule-input.js';
import type { IdStrategy } from '../strategies/ids.js';
import { nextFireTime } from '../trigger/next-fire.js';
import type { WakeSignals } from '../wake/wake-signals.js';

/** What the lifecycle operations need from the client. */
export interface LifecycleDeps {
  /** The shared datastore. */
  datastore: Datastore;
  /** Where schedule and task events go, if anywhere. */
  events: EventBus | undefined;
  /** Primary keys. */
  ids: IdStrategy;
  /** Hints to idle nodes that work falls due. */
  wakeSignals: WakeSignals;
  /** Largest payload accepted, in bytes of JSON. */
  maxPayloadBytes: number;
  /** A schedule by id or name (NotFoundError otherwise). */
  getSchedule(idOrName: string): Promise<Schedule>;
}

/** Options of {@link RookeryClient.runSchedule}. */
export interface RunScheduleOptions {
  /** The payload of this run only, instead of the schedule's. @defaultValue the schedule's payload */
  payload?: Json;
}

/** Why a schedule in `state` refuses to change state. */
function stateRefusal(s: Schedule, verb: string): InvalidStateError {
  const why =
    s.state === 'done'
      ? `schedule '${s.name}' is done (its only run is over) and cannot be ${verb}; create a new schedule for another run`
      : `schedule '${s.name}' is ${s.state} and cannot be ${verb} (only active and paused schedules can)`;
  return new InvalidStateError('schedule', s.id, s.state, why);
}

/** Sets a schedule's state through the datastore; an {@link InvalidStateError} when its state refuses. */
export async function setScheduleState(
  deps: LifecycleDeps,
  idOrName: string,
  state: ScheduleState,
  verb: string,
  nextFireAt?: number | null,
): Promise<Schedule> {
  const s = await deps.getSchedule(idOrName);
  const updated = await deps.datastore.scheduleSetState({
    id: s.id,
    state,
    ...(nextFireAt !== undefined ? { nextFireAt } : {}),
  });
  if (!updated) throw stateRefusal((await deps.datastore.scheduleGet(s.id)) ?? s, verb);
  return updated;
}

/** See {@link RookeryClient.resumeSchedule}. */
export async function resumeSchedule(deps: LifecycleDeps, idOrName: string): Promise<Schedule> {
  const current = await deps.getSchedule(idOrName);
  if (current.state !== 'paused' && current.state !== 'active') throw stateRefusal(current, 'resumed');
  const now = await deps.datastore.clockNow();
  const next =
    current.trigger.kind === 'after-run'
      ? current.gateTaskId === null
        ? now
        : null
      : nextFireTime(
          current.trigger,
          Math.max(now - 1, current.nextFireAt === null ? now - 1 : Math.min(current.nextFireAt, now) - 1),
          {
            dst: current.policies.dst,
            createdAt: current.createdAt,
          },
        );
  return setScheduleState(deps, current.id, 'active', 'resumed', next);
}

/** See {@link RookeryClient.runSchedule}. */
export async function runSchedule(
  deps: LifecycleDeps,
  idOrName: string,
  options: RunScheduleOptions = {},
): Promise<Task> {
  const payload = options.payload === undefined ? undefined : validatePayload(options.payload, deps.maxPayloadBytes);
  const s = await deps.getSchedule(idOrName);
  if (s.state !== 'active' && s.state !== 'paused') throw stateRefusal(s, 'run');
  const now = await deps.datastore.clockNow();
  const task = await deps.datastore.scheduleRunNow({
    scheduleId: s.id,
    taskId: deps.ids(now),
    reason: MANUAL_RUN_REASON,
    ...(payload !== undefined ? { payload } : {}),
  });
  if (!task) throw stateRefusal((await deps.datastore.scheduleGet(s.id)) ?? s, 'run');
  deps.events?.emit('taskCreated', task);
  deps.wakeSignals.announce(now, 'tasks');
  return task;
}
