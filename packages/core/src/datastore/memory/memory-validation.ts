import type { Schedule } from '../../model/schedule.js';
import type {
  ScheduleClaimValidationParams,
  ScheduleListByClientParams,
  ScheduleValidateParams,
} from '../datastore.js';

// The validation methods of the in-memory store, over its schedule map. Each runs to
// completion without awaiting, so each is atomic; results are copies.

/** See `Datastore.scheduleClaimValidation`. */
export function scheduleClaimValidation(
  schedules: Map<string, Schedule>,
  p: ScheduleClaimValidationParams,
  now: number,
): Schedule[] {
  const due = [...schedules.values()]
    .filter(
      (s) =>
        s.state === 'pending-validation' &&
        p.executors.includes(s.executor) &&
        (s.leaseOwner === null || s.leaseExpiresAt === null || s.leaseExpiresAt <= now),
    )
    .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, Math.max(0, p.limit));
  for (const s of due) {
    s.leaseOwner = p.owner;
    s.leaseExpiresAt = now + p.leaseMs;
    s.fence += 1;
    s.updatedAt = now;
  }
  return due.map((s) => structuredClone(s));
}

/** See `Datastore.scheduleValidate`. */
export function scheduleValidate(
  schedules: Map<string, Schedule>,
  p: ScheduleValidateParams,
  now: number,
): Schedule | undefined {
  const s = schedules.get(p.scheduleId);
  if (
    !s ||
    s.state !== 'pending-validation' ||
    s.leaseOwner !== p.owner ||
    s.fence !== p.fence ||
    (s.leaseExpiresAt ?? 0) <= now
  ) {
    return undefined;
  }
  const v = p.verdict;
  s.state = v.state;
  s.nextFireAt = v.state === 'active' ? v.nextFireAt : null;
  s.validation = {
    by: p.nodeId,
    at: now,
    field: v.state === 'rejected' ? v.field : null,
    reason: v.state === 'rejected' ? v.reason : null,
  };
  s.leaseOwner = null;
  s.leaseExpiresAt = null;
  s.updatedAt = now;
  return structuredClone(s);
}

/** See `Datastore.scheduleListByClient`. */
export function scheduleListByClient(schedules: Map<string, Schedule>, p: ScheduleListByClientParams): Schedule[] {
  return [...schedules.values()]
    .filter((s) => s.clientId === p.clientId)
    .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, p.limit ?? 100)
    .map((s) => structuredClone(s));
}
