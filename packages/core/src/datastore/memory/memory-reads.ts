import type { Schedule } from '../../model/schedule.js';
import type { Task } from '../../model/task.js';
import type { ScheduleListParams, TaskListParams, TaskStats, TaskStatsParams } from '../datastore.js';
import { nameKey } from '../name-key.js';

// The paged lists and the overview counts of the in-memory store, over its maps. Each runs to
// completion without awaiting, so each is atomic; results are copies.

/** See `Datastore.scheduleList`: by name key, after `afterNameKey`, names containing `nameContains`. */
export function scheduleList(schedules: Map<string, Schedule>, p: ScheduleListParams): Schedule[] {
  const needle = p.nameContains === undefined ? undefined : nameKey(p.nameContains);
  return [...schedules.values()]
    .map((s) => ({ s, key: nameKey(s.name) }))
    .filter(
      ({ s, key }) =>
        (!p.states || p.states.includes(s.state)) &&
        (needle === undefined || key.includes(needle)) &&
        (p.afterNameKey === undefined || key > p.afterNameKey),
    )
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, p.limit ?? 100)
    .map(({ s }) => structuredClone(s));
}

/** True when task `a` comes after `b` in the task list's order (fire time, then id, both descending). */
function sortsAfter(a: Pick<Task, 'fireAt' | 'id'>, b: Pick<Task, 'fireAt' | 'id'>): boolean {
  return a.fireAt < b.fireAt || (a.fireAt === b.fireAt && a.id < b.id);
}

/** See `Datastore.taskList`: newest fire time first, then id descending, after `before`. */
export function taskList(tasks: Map<string, Task>, p: TaskListParams): Task[] {
  const { before } = p;
  return [...tasks.values()]
    .filter(
      (t) =>
        (!p.scheduleId || t.scheduleId === p.scheduleId) &&
        (!p.states || p.states.includes(t.state)) &&
        (p.executor === undefined || t.executor === p.executor) &&
        (p.jobsOnly !== true || t.scheduleId === null) &&
        (before === undefined || sortsAfter(t, before)),
    )
    .sort((a, b) => b.fireAt - a.fireAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .slice(0, p.limit ?? 100)
    .map((t) => structuredClone(t));
}

/** See `Datastore.taskStats`, as of `now`. */
export function taskStats(tasks: Map<string, Task>, p: TaskStatsParams, now: number): TaskStats {
  const stats: TaskStats = {
    pending: 0,
    due: 0,
    running: 0,
    runningByNode: [],
    completedSince: 0,
    failedSince: 0,
    startedSince: 0,
    latenessMs: [],
  };
  const started: Task[] = [];
  const byNode = new Map<string, number>();
  for (const t of tasks.values()) {
    if (t.state === 'pending') {
      stats.pending += 1;
      if (t.dueAt <= now) stats.due += 1;
    } else if (t.state === 'running') {
      stats.running += 1;
      if (t.nodeId !== null) byNode.set(t.nodeId, (byNode.get(t.nodeId) ?? 0) + 1);
    }
    const ended = t.endedAt !== null && t.endedAt >= p.endedSince;
    if (ended && t.state === 'completed') stats.completedSince += 1;
    if (ended && t.state === 'failed') stats.failedSince += 1;
    if (t.startedAt !== null && t.startedAt >= p.startedSince) stats.startedSince += 1;
    if (t.startedAt !== null && t.startedAt >= p.endedSince) started.push(t);
  }
  stats.runningByNode = [...byNode]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([nodeId, running]) => ({ nodeId, running }));
  stats.latenessMs = started
    .sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0))
    .slice(0, p.latenessSamples)
    .map((t) => (t.startedAt ?? 0) - t.dueAt);
  return stats;
}
