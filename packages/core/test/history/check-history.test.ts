import { describe, expect, it } from 'vitest';
import { historyIsClean } from '../../src/history/check-history.js';
import { add, at, attempt, check, end, event, history, schedule, start, task } from './fixtures.js';

// Hand-written histories for the checker, one per violation class and per allowed case
// (RELIABILITY.md §3.5). Every schedule fires each second from T0; `at(k, ms)` is ms after the
// k-th fire time.

describe('checkHistory: clean run', () => {
  it('reports nothing when every fire time in [from, to] ran and completed, and counts the run', () => {
    const s = schedule('s');
    const h = history(s);
    for (const k of [0, 1, 2, 3]) {
      const t = task(s, k);
      add(h, { tasks: [t] }, attempt(t, k % 2 === 0 ? 'n1' : 'n2', at(k, 10), at(k, 200)));
    }
    const report = check(h, 3);
    expect(report).toEqual({
      lost: [],
      duplicateCompletions: [],
      overlaps: [],
      executionOverlaps: [],
      zombieOverlaps: [],
      staleCommits: [],
      leftLeased: [],
      late: [],
      recoveries: [],
      summary: { expected: 4, started: 4, completed: 4, retries: 0, repairs: 0, skipped: 0, perNode: { n1: 2, n2: 2 } },
    });
    expect(historyIsClean(report)).toBe(true);
  });
});

describe('checkHistory: lost', () => {
  it('reports a fire time with no task row and a pending row that never started', () => {
    const s = schedule('s');
    const ran = task(s, 0);
    const h = add(
      history(s),
      { tasks: [ran, task(s, 2, { state: 'pending' })] },
      attempt(ran, 'n1', at(0, 10), at(0, 100)),
    );
    const report = check(h, 2);
    expect(report.lost).toEqual([
      { scheduleId: 's', fireAt: at(1), taskId: null, detail: 'no task row for this fire time' },
      { scheduleId: 's', fireAt: at(2), taskId: 's@2', detail: 'never started (state pending)' },
    ]);
    expect(report.summary.expected).toBe(3);
    expect(historyIsClean(report)).toBe(false);
  });

  it('does not count a row settled as skipped, missed or coalesced without a run as lost', () => {
    const s = schedule('s');
    const ran = task(s, 0);
    const h = add(
      history(s),
      {
        tasks: [
          ran,
          task(s, 1, { state: 'skipped' }),
          task(s, 2, { state: 'missed' }),
          task(s, 3, { state: 'coalesced' }),
        ],
      },
      attempt(ran, 'n1', at(0, 10), at(0, 100)),
    );
    const report = check(h, 3);
    expect(report.lost).toEqual([]);
    expect(report.summary).toMatchObject({ expected: 4, started: 1, completed: 1, skipped: 1 });
    expect(historyIsClean(report)).toBe(true);
  });

  it('counts a span row (spanEndAt) for every fire time it covers, run or not', () => {
    const s = schedule('s');
    const span = task(s, 0, { spanEndAt: at(2), spanCount: 3 });
    const after = task(s, 3);
    const h = add(
      history(s),
      { tasks: [span, after] },
      attempt(span, 'n1', at(2, 10), at(2, 100)),
      attempt(after, 'n1', at(3, 10), at(3, 100)),
    );
    const report = check(h, 3, { lateAfterMs: 5_000 });
    expect(report.lost).toEqual([]);
    expect(report.summary).toMatchObject({ expected: 4, started: 2, completed: 2 });

    const p = schedule('p');
    const notRun = add(history(p), { tasks: [task(p, 0, { spanEndAt: at(2), spanCount: 3, state: 'pending' })] });
    expect(check(notRun, 2).lost).toEqual(
      [0, 1, 2].map((k) => ({
        scheduleId: 'p',
        fireAt: at(k),
        taskId: 'p@0',
        detail: 'never started (state pending)',
      })),
    );
  });
});

describe('checkHistory: duplicate completions', () => {
  it('reports a task committed as completed twice', () => {
    const s = schedule('s');
    const t = task(s, 0);
    const h = add(
      history(s),
      { tasks: [t], events: [event(t, at(0, 120), 'running', 'completed', 1)] },
      attempt(t, 'n1', at(0, 10), at(0, 100)),
    );
    const report = check(h, 0);
    expect(report.duplicateCompletions).toEqual([
      { scheduleId: 's', fireAt: at(0), taskId: 's@0', detail: '2 completed commits' },
    ]);
    expect(report.staleCommits).toEqual([]);
    expect(historyIsClean(report)).toBe(false);
  });

  it('allows a sequential retry: attempt 1 failed and retried, attempt 2 completed', () => {
    const s = schedule('s', 'skip');
    const t = task(s, 0, { attempt: 2, failures: 1, fence: 2, dueAt: at(1, 200) });
    const h = add(
      history(s),
      { tasks: [t] },
      attempt(t, 'n1', at(0, 10), at(0, 200), { to: 'pending', reason: 'failed: boom; retry in 1000 ms' }),
      attempt(t, 'n2', at(1, 200), at(1, 300), { fence: 2 }),
    );
    const report = check(h, 0);
    expect(report.duplicateCompletions).toEqual([]);
    expect(report.staleCommits).toEqual([]);
    expect(report.overlaps).toEqual([]);
    expect(report.late).toEqual([]);
    expect(report.summary).toMatchObject({
      expected: 1,
      started: 2,
      completed: 1,
      retries: 1,
      repairs: 0,
      perNode: { n1: 1, n2: 1 },
    });
    expect(historyIsClean(report)).toBe(true);
  });
});

describe('checkHistory: stale commits', () => {
  it('reports an outcome committed under fence 1 after fence 2 claimed the task', () => {
    const s = schedule('s');
    const t = task(s, 0, { attempt: 2, repairs: 1, fence: 2 });
    const h = add(history(s), {
      tasks: [t],
      records: [start(t, 'n1', at(0, 10), 1), start(t, 'n2', at(3, 100), 2), end(t, 'n1', at(3, 500), 1)],
      events: [
        event(t, at(0, 10), 'pending', 'running', 1),
        event(t, at(3, 0), 'running', 'pending', 1, 'repaired: lease of n1 expired; due again (at-least-once)'),
        event(t, at(3, 100), 'pending', 'running', 2),
        event(t, at(3, 500), 'running', 'completed', 1),
      ],
    });
    const report = check(h, 0);
    expect(report.staleCommits).toEqual([
      {
        scheduleId: 's',
        fireAt: at(0),
        taskId: 's@0',
        detail: 'completed committed with fence 1 after fence 2 claimed',
      },
    ]);
    expect(report.duplicateCompletions).toEqual([]);
    expect(report.summary.repairs).toBe(1);
    expect(historyIsClean(report)).toBe(false);
  });

  it('judges by commit order: a claim whose clock read came first may commit after the hand-back it follows', () => {
    // The claim's transaction read the clock 26 ms before the hand-back's did, then found the
    // task only once the hand-back had committed: events in commit order, times out of order.
    const s = schedule('s');
    const t = task(s, 0, { attempt: 2, fence: 2 });
    const handBack = 'handed back by node n1: claim answered after its trust window';
    const h = add(history(s), {
      tasks: [t],
      records: [start(t, 'n1', at(0, 400), 2), end(t, 'n1', at(0, 900), 2)],
      events: [
        event(t, at(0, 10), 'pending', 'running', 1),
        event(t, at(0, 372), 'running', 'pending', 1, handBack),
        event(t, at(0, 346), 'pending', 'running', 2),
        event(t, at(0, 900), 'running', 'completed', 2),
      ],
    });
    const report = check(h, 0);
    expect(report.staleCommits).toEqual([]);
    expect(historyIsClean(report)).toBe(true);

    // The same events with the hand-back committed after the new claim: a real stale commit.
    const [claim1, back, claim2, done] = h.events;
    const stale = check({ ...h, events: [claim1!, claim2!, back!, done!] }, 0);
    expect(stale.staleCommits).toEqual([
      { scheduleId: 's', fireAt: at(0), taskId: 's@0', detail: 'pending committed with fence 1 after fence 2 claimed' },
    ]);
  });
});

describe('checkHistory: left leased', () => {
  it('reports a task still running at the end', () => {
    const s = schedule('s');
    const done = task(s, 0);
    const stuck = task(s, 1, { state: 'running', leaseOwner: 'n2', nodeId: 'n2', startedAt: at(1, 10) });
    const h = add(
      history(s),
      {
        tasks: [done, stuck],
        records: [start(stuck, 'n2', at(1, 10))],
        events: [event(stuck, at(1, 10), 'pending', 'running', 1)],
      },
      attempt(done, 'n1', at(0, 10), at(0, 100)),
    );
    const report = check(h, 1);
    expect(report.leftLeased).toEqual([
      { scheduleId: 's', fireAt: at(1), taskId: 's@1', detail: 'still running under n2' },
    ]);
    expect(report.lost).toEqual([]);
    expect(report.summary).toMatchObject({ started: 2, completed: 1 });
    expect(historyIsClean(report)).toBe(false);
  });
});

describe('checkHistory: late', () => {
  it('reports a first start later than dueAt + lateAfterMs (an observation, not a violation)', () => {
    const s = schedule('s');
    const late = task(s, 0);
    const onTime = task(s, 1);
    const h = add(
      history(s),
      { tasks: [late, onTime] },
      attempt(late, 'n1', at(0, 900), at(0, 950)),
      attempt(onTime, 'n1', at(1, 500), at(1, 550)),
    );
    const report = check(h, 1);
    expect(report.late).toEqual([
      { scheduleId: 's', fireAt: at(0), taskId: 's@0', detail: 'started 900 ms after due' },
    ]);
    expect(historyIsClean(report)).toBe(true);
  });

  it('does not report a late start of a task whose run was on a faulted node', () => {
    const s = schedule('s');
    const t = task(s, 0);
    const h = add(
      history(s),
      { tasks: [t], faults: [{ nodeId: 'n3', at: at(5), kind: 'kill' }] },
      attempt(t, 'n3', at(0, 900), at(0, 950)),
    );
    expect(check(h, 0).late).toEqual([]);
  });
});
