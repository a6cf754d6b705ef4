import { describe, expect, it } from 'vitest';
import type { TaskEvent } from '../dashboard/src/api/types.js';
import { parseRoute, href } from '../dashboard/src/router.js';
import { attemptsOf } from '../dashboard/src/task/attempts.js';

const at = (s: number): string => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
const event = (
  s: number,
  from: TaskEvent['from'],
  to: TaskEvent['to'],
  fence: number,
  nodeId: string | null,
  reason: string | null = null,
): TaskEvent => ({ taskId: 't', at: at(s), from, to, nodeId, reason, fence });

describe("the dashboard's reading of a task's transitions into attempts", () => {
  it('makes one attempt per start, ended by the next move out of running, with its node, fence, outcome and reason', () => {
    const events = [
      event(0, null, 'pending', 0, null, 'peeled'),
      event(1, 'pending', 'running', 1, 'n1'),
      event(2, 'running', 'pending', 1, 'n1', 'failed: boom, retry at 00:00:03'),
      event(3, 'pending', 'running', 2, 'n2'),
      event(9, 'running', 'pending', 2, 'n3', 'repaired: lease of n2 expired'),
      event(10, 'pending', 'running', 3, 'n3'),
    ];
    expect(attemptsOf(events)).toEqual([
      {
        number: 1,
        fence: 1,
        nodeId: 'n1',
        startedAt: at(1),
        endedAt: at(2),
        outcome: 'pending',
        reason: 'failed: boom, retry at 00:00:03',
      },
      {
        number: 2,
        fence: 2,
        nodeId: 'n2',
        startedAt: at(3),
        endedAt: at(9),
        outcome: 'pending',
        reason: 'repaired: lease of n2 expired',
      },
      { number: 3, fence: 3, nodeId: 'n3', startedAt: at(10), endedAt: null, outcome: null, reason: null },
    ]);
  });

  it('finds none in a task that never started (skipped, missed, coalesced)', () => {
    expect(
      attemptsOf([
        event(0, null, 'pending', 0, null),
        event(5, 'pending', 'missed', 0, 'n1', 'starting deadline passed'),
      ]),
    ).toEqual([]);
  });
});

describe("the dashboard's hash routes", () => {
  it('round-trip names with any character and drop empty query values', () => {
    const link = href('schedules', 'nightly/report ü?', { task: 'abc', state: '' });
    expect(link).toBe('#/schedules/nightly%2Freport%20%C3%BC%3F?task=abc');
    const route = parseRoute(link);
    expect(route.path).toEqual(['schedules', 'nightly/report ü?']);
    expect(route.query.get('task')).toBe('abc');
    expect(route.query.has('state')).toBe(false);
    expect(parseRoute('').path).toEqual([]);
  });
});
