import type {
  ClockParams,
  Datastore,
  SchedulePeelParams,
  SchedulePeelResult,
  TaskFinishParams,
} from '../datastore/datastore.js';
import type { Task } from '../model/task.js';

/** Input of {@link schedulePeelOne}: one peel, with the clock of the call. */
export type SchedulePeelOneParams = SchedulePeelParams & ClockParams;

/** Input of {@link taskFinishOne}: one commit, with the clock of the call. */
export type TaskFinishOneParams = TaskFinishParams & ClockParams;

/** One peel written through {@link Datastore.schedulePeelMany}, for tests that peel one schedule. */
export async function schedulePeelOne(
  store: Pick<Datastore, 'schedulePeelMany'>,
  params: SchedulePeelOneParams,
): Promise<SchedulePeelResult> {
  const { now, ...peel } = params;
  const [result] = await store.schedulePeelMany({ peels: [peel], ...(now !== undefined ? { now } : {}) });
  if (!result) throw new Error('schedulePeelMany answered no result for its one peel');
  return result;
}

/** One attempt's outcome committed through {@link Datastore.taskFinishMany}, for tests that finish one task. */
export async function taskFinishOne(
  store: Pick<Datastore, 'taskFinishMany'>,
  params: TaskFinishOneParams,
): Promise<Task | undefined> {
  const { now, ...finish } = params;
  const [task] = await store.taskFinishMany({ finishes: [finish], ...(now !== undefined ? { now } : {}) });
  return task;
}
