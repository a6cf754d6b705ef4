import { describe, expect, it } from 'vitest';
import { historyIsClean } from '../../src/history/check-history.js';
import type { RunRecord } from '../../src/history/run-record.js';
import type { Task } from '../../src/model/task.js';
import { add, at, attempt, check, end, event, history, schedule, start, task, type History } from './fixtures.js';

// No execution of a task overlaps another execution of it, on hand-written histories. Task s@0
// (a `duplicate: run` schedule: the check is for every policy) is run under fence 1 on n1 from
// 0.010 s; the cluster takes its lease away at 2.000 s (repair) and n2 reruns it under fence 2.

const REPAIRED = 'repaired: lease of n1 expired; due again (at-least-once)';

/** s@0: fence 1 on n1 with the records `first`; repaired at 2.000 s; fence 2 on n2 over [secondAt, 3.000 s]. */
function rerun(first: (t: Task) => RunRecord[], secondAt: number): History {
  const s = schedule('s');
  const t = task(s, 0, { attempt: 2, repairs: 1, fence: 2 });
  return add(
    history(s),
    {
      tasks: [t],
      records: first(t),
      events: [event(t, at(0, 10), 'pending', 'running', 1), event(t, at(2), 'running', 'pending', 1, REPAIRED)],
    },
    attempt(t, 'n2', secondAt, at(3), { fence: 2 }),
  );
}

/** A sign of life of fence 1 of `t` on n1, promising the next within `everyMs`. */
function alive(t: Task, atMs: number, everyMs = 100): RunRecord {
  return { ...start(t, 'n1', atMs), kind: 'alive', everyMs };
}

describe('checkHistory: no execution of a task overlaps another execution of it', () => {
  it('reports an execution that ran on after the lease was taken, beside the rerun', () => {
    const report = check(
      rerun((t) => [start(t, 'n1', at(0, 10)), end(t, 'n1', at(2, 300), 1, false)], at(2, 100)),
      0,
    );
    expect(report.executionOverlaps).toEqual([
      {
        scheduleId: 's',
        fireAt: at(0),
        taskId: 's@0',
        detail: 'the execution under fence 2 on node n2 ran 200 ms alongside the one under fence 1 on node n1',
      },
    ]);
    expect(historyIsClean(report)).toBe(false);
  });

  it('does not report executions one after the other, nor ones that only touch', () => {
    const sequential = check(
      rerun((t) => [start(t, 'n1', at(0, 10)), end(t, 'n1', at(1, 900), 1, false)], at(2, 100)),
      0,
    );
    expect(sequential.executionOverlaps).toEqual([]);
    expect(historyIsClean(sequential)).toBe(true);
    const touching = check(
      rerun((t) => [start(t, 'n1', at(0, 10)), end(t, 'n1', at(2, 100), 1, false)], at(2, 100)),
      0,
    );
    expect(touching.executionOverlaps).toEqual([]);
  });

  it('does not report a retry after a failed attempt (the sequential pair of one node)', () => {
    const s = schedule('s');
    const t = task(s, 0, { attempt: 2, failures: 1, fence: 2 });
    const h = add(
      history(s),
      { tasks: [t] },
      attempt(t, 'n1', at(0, 10), at(0, 100), { to: 'pending', reason: 'failed: boom; retry in 300 ms' }),
      attempt(t, 'n1', at(0, 400), at(0, 500), { fence: 2 }),
    );
    expect(check(h, 0).executionOverlaps).toEqual([]);
  });

  it("ends an execution that recorded no end at its node's kill; without the kill it never ended", () => {
    const h = rerun((t) => [start(t, 'n1', at(0, 10))], at(2, 100));
    expect(check({ ...h, faults: [{ nodeId: 'n1', at: at(1), kind: 'kill' }] }, 0).executionOverlaps).toEqual([]);
    expect(check(h, 0).executionOverlaps).toEqual([
      {
        scheduleId: 's',
        fireAt: at(0),
        taskId: 's@0',
        detail: 'the execution under fence 2 on node n2 ran 900 ms alongside the one under fence 1 on node n1',
      },
    ]);
  });

  it('ends a child process that stopped writing signs of life (SIGKILLed) within its period of the last one', () => {
    // Alive records every 100 ms until 1.950 s, then nothing: it died by 2.050 s.
    const records = (t: Task): RunRecord[] => [
      { ...start(t, 'n1', at(0, 10)), everyMs: 100 },
      alive(t, at(1, 850)),
      alive(t, at(1, 950)),
    ];
    expect(check(rerun(records, at(2, 100)), 0).executionOverlaps).toEqual([]);
    expect(check(rerun(records, at(2, 0)), 0).executionOverlaps).toEqual([
      {
        scheduleId: 's',
        fireAt: at(0),
        taskId: 's@0',
        detail: 'the execution under fence 2 on node n2 ran 50 ms alongside the one under fence 1 on node n1',
      },
    ]);
  });

  it("reports a child process that outlived its node's kill (its signs of life go on past the rerun's start)", () => {
    const records = (t: Task): RunRecord[] => [
      { ...start(t, 'n1', at(0, 10)), everyMs: 100 },
      alive(t, at(1, 900)),
      alive(t, at(2, 400)),
      end(t, 'n1', at(2, 450)),
    ];
    const report = check({ ...rerun(records, at(2, 100)), faults: [{ nodeId: 'n1', at: at(1), kind: 'kill' }] }, 0);
    expect(report.executionOverlaps).toEqual([
      {
        scheduleId: 's',
        fireAt: at(0),
        taskId: 's@0',
        detail: 'the execution under fence 2 on node n2 ran 350 ms alongside the one under fence 1 on node n1',
      },
    ]);
  });

  describe('a paused node', () => {
    // n1 is paused from 0.500 s to 2.500 s (lease 1 s: it outlasted the lease); it wakes, notices
    // and records its end at 2.520 s, while the rerun runs from 2.100 s.
    const pause = { nodeId: 'n1', at: at(0, 500), kind: 'pause' as const, until: at(2, 500) };

    it("reports the zombie's work after waking as an allowed zombie overlap, not a violation", () => {
      const h = rerun((t) => [start(t, 'n1', at(0, 10)), end(t, 'n1', at(2, 520), 1, false)], at(2, 100));
      const report = check({ ...h, faults: [pause] }, 0, { leaseMs: 1_000 });
      expect(report.executionOverlaps).toEqual([]);
      expect(report.zombieOverlaps).toEqual([
        {
          scheduleId: 's',
          fireAt: at(0),
          taskId: 's@0',
          detail:
            "the execution under fence 2 on node n2 ran 20 ms alongside the one under fence 1 on node n1, a zombie's after its node woke",
        },
      ]);
      expect(historyIsClean(report)).toBe(true);
    });

    it('reports an execution that went on while its node was stopped (a child process the pause did not freeze)', () => {
      const h = rerun(
        (t) => [
          { ...start(t, 'n1', at(0, 10)), everyMs: 100 },
          alive(t, at(2, 150)),
          end(t, 'n1', at(2, 520), 1, false),
        ],
        at(2, 100),
      );
      const report = check({ ...h, faults: [pause] }, 0, { leaseMs: 1_000 });
      expect(report.executionOverlaps).toEqual([
        {
          scheduleId: 's',
          fireAt: at(0),
          taskId: 's@0',
          detail: 'the execution under fence 2 on node n2 ran 420 ms alongside the one under fence 1 on node n1',
        },
      ]);
    });
  });
});
