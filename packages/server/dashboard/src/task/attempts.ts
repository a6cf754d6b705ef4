import type { Instant, TaskEvent, TaskState } from '../api/types.js';

/** One attempt of a task, read from its transitions: started by a move to `running`, ended by the next move out of it. */
export interface Attempt {
  /** 1 for the first. */
  number: number;
  /** The fencing token of the claim. */
  fence: number;
  /** The node that ran it. */
  nodeId: string | null;
  /** When it started. */
  startedAt: Instant;
  /** When it ended; null while it runs. */
  endedAt: Instant | null;
  /** The state it left the task in (`pending` for a retry or a repair); null while it runs. */
  outcome: TaskState | null;
  /** Why it ended so. */
  reason: string | null;
}

/** The attempts of a task, oldest first, from its transitions (oldest first). */
export function attemptsOf(events: readonly TaskEvent[]): Attempt[] {
  const attempts: Attempt[] = [];
  let open: Attempt | undefined;
  for (const event of events) {
    if (event.to === 'running' && event.from !== 'running') {
      open = {
        number: attempts.length + 1,
        fence: event.fence,
        nodeId: event.nodeId,
        startedAt: event.at,
        endedAt: null,
        outcome: null,
        reason: null,
      };
      attempts.push(open);
    } else if (open && event.from === 'running' && event.to !== 'running') {
      open.endedAt = event.at;
      open.outcome = event.to;
      open.reason = event.reason;
      open = undefined;
    }
  }
  return attempts;
}
