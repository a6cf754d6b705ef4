import { describe, expect, it } from 'vitest';
import { historyIsClean } from '../../src/history/check-history.js';
import type { DuplicatePolicyName } from '../../src/model/policies.js';
import type { FaultRecord } from '../../src/history/run-record.js';
import { add, at, attempt, check, end, event, history, schedule, start, task, type History } from './fixtures.js';

// Overlaps (with the allowed zombie overlap) and recovery times, on hand-written histories
// (RELIABILITY.md §3.5). Every schedule fires each second from T0; `at(k, ms)` is ms after the
// k-th fire time.

const REPAIRED = 'repaired: lease of n3 expired; due again (at-least-once)';

describe('checkHistory: overlaps', () => {
  /** Task s@0 runs [0.010, 1.500] s, task s@1 [1.010, 1.300] s. */
  const overlapping = (duplicate: DuplicatePolicyName): History => {
    const s = schedule('s', duplicate);
    const a = task(s, 0);
    const b = task(s, 1);
    return add(
      history(s),
      { tasks: [a, b] },
      attempt(a, 'n1', at(0, 10), at(1, 500)),
      attempt(b, 'n2', at(1, 10), at(1, 300)),
    );
  };

  it('reports two overlapping runs of a duplicate: skip schedule, once', () => {
    const report = check(overlapping('skip'), 1);
    expect(report.overlaps).toEqual([
      { scheduleId: 's', fireAt: at(1), taskId: 's@1', detail: 'started while task s@0 ran' },
    ]);
    expect(historyIsClean(report)).toBe(false);
  });

  it('allows overlapping runs of a duplicate: run schedule', () => {
    const report = check(overlapping('run'), 1);
    expect(report.overlaps).toEqual([]);
    expect(historyIsClean(report)).toBe(true);
  });

  it('reports an overlap with a first attempt that held the current lease, even when the task was retried later', () => {
    const s = schedule('s', 'skip');
    const a = task(s, 0, { attempt: 2, failures: 1, fence: 2, dueAt: at(2, 500) });
    const b = task(s, 1);
    const h = add(
      history(s),
      { tasks: [a, b] },
      attempt(a, 'n1', at(0, 10), at(1, 500), { to: 'pending', reason: 'failed: boom; retry in 1000 ms' }),
      attempt(b, 'n2', at(1, 10), at(1, 300)),
      attempt(a, 'n1', at(2, 500), at(2, 600), { fence: 2 }),
    );
    expect(check(h, 1).overlaps).toEqual([
      { scheduleId: 's', fireAt: at(1), taskId: 's@1', detail: 'started while task s@0 ran' },
    ]);
  });
});

describe('checkHistory: zombie overlap (allowed)', () => {
  /**
   * n3 runs attempt 1 of s@0 from 0.010 s and is paused at 0.500 s; the cluster repairs the task
   * at 0.900 s (its transition out of `running` carries `repairFence`); s@1 runs on n1 from
   * 1.010 s; n3 wakes and records the zombie's end at 1.800 s; s@0 is settled as skipped.
   */
  const zombie = (repairFence: number | null): History => {
    const s = schedule('s', 'skip');
    const a = task(s, 0, { state: 'skipped', repairs: 1, fence: 2, reason: 'skipped: schedule busy with task s@1' });
    const b = task(s, 1);
    const repair = repairFence === null ? [] : [event(a, at(0, 900), 'running', 'pending', repairFence, REPAIRED)];
    return add(
      history(s),
      {
        tasks: [a, b],
        records: [start(a, 'n3', at(0, 10)), end(a, 'n3', at(1, 800), 1, false)],
        events: [
          event(a, at(0, 10), 'pending', 'running', 1),
          ...repair,
          event(a, at(1, 10), 'pending', 'skipped', repairFence ?? 1),
        ],
        faults: [{ nodeId: 'n3', at: at(0, 500), kind: 'pause' }],
      },
      attempt(b, 'n1', at(1, 10), at(1, 300)),
    );
  };

  it('ends the zombie attempt when the cluster took its lease away (repair event with fence 1)', () => {
    const report = check(zombie(1), 1);
    expect(report.overlaps).toEqual([]);
    expect(historyIsClean(report)).toBe(true);
  });

  it('also when the repair event carries the bumped fence (fence 2, as MemoryDatastore records it)', () => {
    expect(check(zombie(2), 1).overlaps).toEqual([]);
  });

  it('a paused node whose lease was taken while it slept ran only until the pause (repair after the next run started)', () => {
    // The repair comes at 1.200 s, after s@1 started at 1.010 s; n3 woke at 1.700 s.
    const h = zombie(null);
    const a = h.tasks[0];
    if (!a) throw new Error('fixture');
    h.events.push(event(a, at(1, 200), 'running', 'pending', 1, REPAIRED));
    expect(
      check({ ...h, faults: [{ nodeId: 'n3', at: at(0, 500), kind: 'pause', until: at(1, 700) }] }, 1).overlaps,
    ).toEqual([]);
    // Had the node woken before its lease was taken, its run went on: a real overlap.
    expect(
      check({ ...h, faults: [{ nodeId: 'n3', at: at(0, 500), kind: 'pause', until: at(1, 100) }] }, 1).overlaps,
    ).toHaveLength(1);
  });

  it('a pause that outlasted the lease made a zombie even if the repair came after the wake; its work after waking is a reported zombie overlap', () => {
    // Lease 500 ms; n3 paused at 0.500 s and woke at 1.700 s (its lease expired by 1.000 s at
    // the latest, so s@1 could take the run slot at 1.010 s). The repair came only at 1.750 s,
    // after the wake (the frozen node held a row lock); the zombie recorded its end at 1.800 s,
    // and s@1 ran on until 1.750 s.
    const h = zombie(null);
    const a = h.tasks[0];
    if (!a) throw new Error('fixture');
    for (const x of [...h.records, ...h.events]) if (x.taskId === 's@1' && x.at === at(1, 300)) x.at = at(1, 750);
    h.events.push(event(a, at(1, 750), 'running', 'pending', 1, REPAIRED));
    h.faults = [{ nodeId: 'n3', at: at(0, 500), kind: 'pause', until: at(1, 700) }];
    const report = check(h, 1, { leaseMs: 500 });
    expect(report.overlaps).toEqual([]);
    expect(report.zombieOverlaps).toEqual([
      {
        scheduleId: 's',
        fireAt: at(1),
        taskId: 's@1',
        detail: "ran 50 ms alongside node n3's zombie run of task s@0 (fence 1) after it woke",
      },
    ]);
    expect(historyIsClean(report)).toBe(true);
    // Without the lease, the checker cannot tell the lease had gone: a violation.
    expect(check(h, 1).overlaps).toHaveLength(1);
    // A pause shorter than the lease leaves the lease valid at the wake: a violation too.
    expect(check(h, 1, { leaseMs: 2_000 }).overlaps).toHaveLength(1);
  });

  it('without the repair, the same runs overlap', () => {
    expect(check(zombie(null), 1).overlaps).toEqual([
      { scheduleId: 's', fireAt: at(1), taskId: 's@1', detail: 'started while task s@0 ran' },
    ]);
  });

  /**
   * n3 starts s@0 at 0.010 s and records no end; the cluster repairs it at 3.600 s and n1 reruns
   * it; s@1 runs on n1 from 1.010 s.
   */
  const killed = (faults: FaultRecord[]): History => {
    const s = schedule('s', 'skip');
    const a = task(s, 0, { attempt: 2, repairs: 1, fence: 3 });
    const b = task(s, 1);
    return add(
      history(s),
      {
        tasks: [a, b],
        records: [start(a, 'n3', at(0, 10))],
        events: [event(a, at(0, 10), 'pending', 'running', 1), event(a, at(3, 600), 'running', 'pending', 1, REPAIRED)],
        faults,
      },
      attempt(b, 'n1', at(1, 10), at(1, 300)),
      attempt(a, 'n1', at(3, 700), at(3, 800), { fence: 3 }),
    );
  };

  it('ends the run of a killed node at the kill', () => {
    const report = check(killed([{ nodeId: 'n3', at: at(0, 600), kind: 'kill' }]), 1);
    expect(report.overlaps).toEqual([]);
    expect(report.recoveries).toEqual([{ taskId: 's@0', nodeId: 'n3', ms: 3100, settledAs: null }]);
    expect(historyIsClean(report)).toBe(true);
  });

  it('without the kill, that run lasts until the repair and overlaps', () => {
    expect(check(killed([]), 1).overlaps).toEqual([
      { scheduleId: 's', fireAt: at(1), taskId: 's@1', detail: 'started while task s@0 ran' },
    ]);
  });
});

describe('checkHistory: recoveries', () => {
  it('measures from a kill to the next start of the task (higher fence) on another node', () => {
    const s = schedule('s');
    const u = schedule('u');
    const a = task(s, 0, { attempt: 2, repairs: 1, fence: 3 });
    const done = task(u, 0);
    const K = at(0, 500);
    const h = add(
      history(s, u),
      {
        tasks: [a, done],
        records: [start(a, 'n3', at(0, 10))],
        events: [event(a, at(0, 10), 'pending', 'running', 1), event(a, K + 2900, 'running', 'pending', 1, REPAIRED)],
        faults: [{ nodeId: 'n3', at: K, kind: 'kill' }],
      },
      attempt(done, 'n3', at(0, 20), at(0, 300)),
      attempt(a, 'n1', K + 3000, K + 3100, { fence: 3 }),
    );
    expect(check(h, 0, { lateAfterMs: 60_000 }).recoveries).toEqual([
      { taskId: 's@0', nodeId: 'n3', ms: 3000, settledAs: null },
    ]);
  });

  it('counts an attempt a killed node ended before the kill but never committed, and measures its rerun', () => {
    const s = schedule('s');
    const a = task(s, 0, { attempt: 2, repairs: 1, fence: 3 });
    const K = at(0, 500);
    const h = add(
      history(s),
      {
        tasks: [a],
        // The executor ended at 0.100 s; the commit was still queued when n3 was killed.
        records: [start(a, 'n3', at(0, 10)), end(a, 'n3', at(0, 100))],
        events: [
          { ...event(a, at(0, 10), 'pending', 'running', 1), nodeId: 'n3' },
          event(a, K + 2900, 'running', 'pending', 1, REPAIRED),
        ],
        faults: [{ nodeId: 'n3', at: K, kind: 'kill' }],
      },
      attempt(a, 'n1', K + 3000, K + 3100, { fence: 3 }),
    );
    expect(check(h, 0, { lateAfterMs: 60_000 }).recoveries).toEqual([
      { taskId: 's@0', nodeId: 'n3', ms: 3000, settledAs: null },
    ]);
  });

  it('counts a task the killed node claimed but never started (the claim committed as it died), and measures its start elsewhere', () => {
    const s = schedule('s');
    const a = task(s, 0, { attempt: 2, repairs: 1, fence: 3 });
    const K = at(0, 500);
    const h = add(
      history(s),
      {
        tasks: [a],
        // The claim committed 5 ms after the kill; no start record: n3 never saw the answer.
        events: [
          { ...event(a, K + 5, 'pending', 'running', 1), nodeId: 'n3' },
          event(a, K + 10_005, 'running', 'pending', 2, REPAIRED),
        ],
        faults: [{ nodeId: 'n3', at: K, kind: 'kill' }],
      },
      attempt(a, 'n1', K + 10_100, K + 10_200, { fence: 3 }),
    );
    expect(check(h, 0, { lateAfterMs: 60_000 }).recoveries).toEqual([
      { taskId: 's@0', nodeId: 'n3', ms: 10_100, settledAs: null },
    ]);
  });

  it('does not count an attempt a killed node ended before the kill and committed, even if the commit landed after it', () => {
    const s = schedule('s');
    const a = task(s, 0);
    const K = at(0, 500);
    // Ended at 0.400 s; the commit was on the wire at the kill and the database applied it at 0.510 s.
    const h = add(
      history(s),
      { tasks: [a], faults: [{ nodeId: 'n3', at: K, kind: 'kill' }] },
      attempt(a, 'n3', at(0, 10), at(0, 400)),
    );
    h.events = h.events.map((e) => (e.from === 'running' ? { ...e, at: K + 10 } : e));
    expect(check(h, 0).recoveries).toEqual([]);
  });

  it('counts an attempt of a paused node as open at the pause though it records its end after', () => {
    const s = schedule('s');
    const a = task(s, 0, { attempt: 2, repairs: 1, fence: 3 });
    const P = at(0, 500);
    const h = add(
      history(s),
      {
        tasks: [a],
        records: [start(a, 'n3', at(0, 10)), end(a, 'n3', at(5), 1)],
        events: [event(a, at(0, 10), 'pending', 'running', 1), event(a, P + 3100, 'running', 'pending', 1, REPAIRED)],
        faults: [{ nodeId: 'n3', at: P, kind: 'pause' }],
      },
      attempt(a, 'n1', P + 3200, P + 3300, { fence: 3 }),
    );
    expect(check(h, 0).recoveries).toEqual([{ taskId: 's@0', nodeId: 'n3', ms: 3200, settledAs: null }]);
  });

  it('measures from a partition to the rerun of an attempt the cut-off node aborted during it', () => {
    // n3 is cut off from the database at 0.500 s; its trust window aborts the attempt at 2.100 s
    // (end record); the cluster repairs the task at 2.600 s and n1 reruns it at 2.700 s.
    const s = schedule('s');
    const a = task(s, 0, { attempt: 2, repairs: 1, fence: 3 });
    const P = at(0, 500);
    const h = add(
      history(s),
      {
        tasks: [a],
        records: [start(a, 'n3', at(0, 10)), end(a, 'n3', at(2, 100), 1, false)],
        events: [event(a, at(0, 10), 'pending', 'running', 1), event(a, at(2, 600), 'running', 'pending', 1, REPAIRED)],
        faults: [{ nodeId: 'n3', at: P, kind: 'partition', until: at(4, 500) }],
      },
      attempt(a, 'n1', at(2, 700), at(2, 800), { fence: 3 }),
    );
    const report = check(h, 0);
    expect(report.recoveries).toEqual([{ taskId: 's@0', nodeId: 'n3', ms: 2200, settledAs: null }]);
    expect(report.executionOverlaps).toEqual([]);
  });

  it('reports a task that never restarted with the state the cluster settled it in, or null if left behind', () => {
    const s = schedule('s', 'skip');
    const skipped = task(s, 0, { state: 'skipped', repairs: 1, fence: 2 });
    const behind = task(s, 1, { state: 'pending', repairs: 1, fence: 2 });
    const h = add(history(s), {
      tasks: [skipped, behind],
      records: [start(skipped, 'n3', at(0, 10)), start(behind, 'n3', at(1, 10))],
      events: [
        event(skipped, at(0, 10), 'pending', 'running', 1),
        event(behind, at(1, 10), 'pending', 'running', 1),
        event(skipped, at(4, 500), 'running', 'pending', 2, REPAIRED),
        event(behind, at(4, 500), 'running', 'pending', 2, REPAIRED),
        event(skipped, at(4, 600), 'pending', 'skipped', 2),
      ],
      faults: [{ nodeId: 'n3', at: at(1, 500), kind: 'kill' }],
    });
    expect(check(h, 1).recoveries).toEqual([
      { taskId: 's@0', nodeId: 'n3', ms: null, settledAs: 'skipped' },
      { taskId: 's@1', nodeId: 'n3', ms: null, settledAs: null },
    ]);
  });

  it('measures each fault only against the attempts under way at it (a node killed twice)', () => {
    const s = schedule('s');
    const a = task(s, 0, { attempt: 2, repairs: 1, fence: 3 });
    const h = add(
      history(s),
      {
        tasks: [a],
        records: [start(a, 'n3', at(0, 10))],
        events: [event(a, at(0, 10), 'pending', 'running', 1), event(a, at(3, 400), 'running', 'pending', 1, REPAIRED)],
        faults: [
          { nodeId: 'n3', at: at(0, 500), kind: 'kill' },
          { nodeId: 'n3', at: at(10), kind: 'kill' },
        ],
      },
      attempt(a, 'n1', at(3, 500), at(3, 600), { fence: 3 }),
    );
    expect(check(h, 0, { lateAfterMs: 60_000 }).recoveries).toEqual([
      { taskId: 's@0', nodeId: 'n3', ms: 3000, settledAs: null },
    ]);
  });

  it('ignores a graceful stop', () => {
    const s = schedule('s');
    const a = task(s, 0, { state: 'running', leaseOwner: 'n3' });
    const h = add(history(s), {
      tasks: [a],
      records: [start(a, 'n3', at(0, 10))],
      events: [event(a, at(0, 10), 'pending', 'running', 1)],
      faults: [{ nodeId: 'n3', at: at(0, 500), kind: 'stop' }],
    });
    expect(check(h, 0).recoveries).toEqual([]);
  });
});

describe('checkHistory: lateness inside and outside fault windows', () => {
  // s@1 (due at 1.000 s) first starts on n1 at 2.000 s: 1000 ms late, LATE_AFTER_MS is 500.
  const lateRun = (): History => {
    const s = schedule('s');
    return add(
      history(s),
      { tasks: [task(s, 0), task(s, 1)] },
      attempt(task(s, 0), 'n1', at(0, 10), at(0, 100)),
      attempt(task(s, 1), 'n1', at(2), at(2, 100)),
    );
  };

  it('reports a late start with no fault', () => {
    expect(check(lateRun(), 1).late.map((f) => f.taskId)).toEqual(['s@1']);
  });

  it('excuses a task due within lateAfterMs of a database outage', () => {
    const outage: FaultRecord = { nodeId: 'database', at: at(0, 200), kind: 'outage', until: at(0, 900) };
    expect(check({ ...lateRun(), faults: [outage] }, 1).late).toEqual([]);
    // An outage that ended more than lateAfterMs before the task was due excuses nothing.
    expect(check({ ...lateRun(), faults: [{ ...outage, until: at(0, 300) }] }, 1).late).toHaveLength(1);
  });

  it("never excuses lateness by a skewed node's clock, even on that node", () => {
    const skew: FaultRecord = { nodeId: 'n1', at: at(0), kind: 'skew' };
    expect(check({ ...lateRun(), faults: [skew] }, 1).late.map((f) => f.taskId)).toEqual(['s@1']);
  });
});
