import type { TaskOutcome } from '@rookery/core';

/** The column values an outcome writes. */
export function outcomeValues(o: TaskOutcome): {
  result: string | null;
  error: string | null;
  failed: number;
  dueAt: number | null;
} {
  switch (o.state) {
    case 'completed':
      return { result: o.result === null ? null : JSON.stringify(o.result), error: null, failed: 0, dueAt: null };
    case 'failed':
      return { result: null, error: o.error, failed: 1, dueAt: null };
    case 'cancelled':
      return { result: null, error: o.error, failed: 0, dueAt: null };
    case 'abandoned':
      return { result: null, error: null, failed: 0, dueAt: null };
    case 'pending':
      return { result: null, error: o.error, failed: o.countFailure ? 1 : 0, dueAt: o.dueAt };
  }
}
