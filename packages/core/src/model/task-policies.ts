import type { SchedulePolicies, TaskCreationName, TaskPolicies } from './policies.js';
import type { Task } from './task.js';

/**
 * The policies of a schedule that each of its tasks carries, copied when the task is created.
 * Every store builds a task's policies from these keys (PostgreSQL's one-statement peel builds
 * its JSON from them too).
 */
export const TASK_POLICY_KEYS = ['duplicate', 'retry', 'timeoutMs', 'priority', 'delivery', 'taskCreation'] as const;

/** A task's policies, from its schedule's: the {@link TASK_POLICY_KEYS}, copied. */
export function taskPoliciesOf(p: SchedulePolicies): TaskPolicies {
  return {
    duplicate: p.duplicate,
    retry: { ...p.retry },
    timeoutMs: p.timeoutMs,
    priority: p.priority,
    delivery: p.delivery,
    taskCreation: p.taskCreation,
  };
}

/**
 * Which event of a schedule's gate task releases the gate, by its task creation policy:
 * `on-start` waits for the task to start; `on-end` (and `ahead`, which sets no gate) for it to end.
 */
export function gateReleaseOf(taskCreation: TaskCreationName): 'start' | 'end' {
  return taskCreation === 'on-start' ? 'start' : 'end';
}

/**
 * True when `task` reaching `event` may release its schedule's gate: a task of a schedule that
 * creates its next task `on-start` releases it when it starts or ends, one of an `on-end` schedule
 * (and every `after-run` one) when it ends; a schedule creating tasks `ahead` has no gate. The
 * store knows which task is the gate; this answers from the task alone, so it may say yes for a
 * task that is not the gate (an extra run of the schedule).
 */
export function mayReleaseGate(task: Pick<Task, 'scheduleId' | 'policies'>, event: 'start' | 'end'): boolean {
  const { taskCreation } = task.policies;
  return (
    task.scheduleId !== null && taskCreation !== 'ahead' && (event === 'end' || gateReleaseOf(taskCreation) === 'start')
  );
}
