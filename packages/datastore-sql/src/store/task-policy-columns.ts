import type { DeliveryMode, DuplicatePolicyName, TaskPolicies } from '@rookery/core';
import { toJsonText } from './row-mapping.js';

/** The columns of a task row that hold its policies: all of them as JSON, and the three a claim or repair reads. */
export interface TaskPolicyColumns {
  /** `policies`: the task policies, JSON. */
  policies: string;
  /** `duplicate_policy`. */
  duplicate: DuplicatePolicyName;
  /** `delivery`. */
  delivery: DeliveryMode;
  /** `priority`. */
  priority: number;
}

/** The policy columns of a task row carrying `p`. */
export function taskPolicyColumns(p: TaskPolicies): TaskPolicyColumns {
  return { policies: toJsonText(p), duplicate: p.duplicate, delivery: p.delivery, priority: p.priority };
}
