import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemTimers } from '../../src/strategies/timers.js';
import { DueAlarm, MAX_DUE_TIMES } from '../../src/node/due-alarm.js';

beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
afterEach(() => vi.useRealTimers());

/** An alarm on the faked clock, with the wake-ups it made (as clock readings). */
function alarm(): { alarm: DueAlarm; wakes: number[] } {
  const wakes: number[] = [];
  return {
    alarm: new DueAlarm(
      systemTimers,
      () => Date.now(),
      () => wakes.push(Date.now()),
    ),
    wakes,
  };
}

describe('DueAlarm', () => {
  it('wakes at every due time it was told of, in order, not only the earliest', async () => {
    const { alarm: a, wakes } = alarm();
    for (const d of [1_000_300, 1_000_100, 1_000_200, 1_000_100]) a.add(d);
    expect(a.size).toBe(3);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(wakes).toEqual([1_000_100, 1_000_200, 1_000_300]);
    expect(a.size).toBe(0);
  });

  it('says which due times it holds, and which came at each wake-up', async () => {
    const came: number[][] = [];
    const a = new DueAlarm(
      systemTimers,
      () => Date.now(),
      (times) => void came.push([...times]),
    );
    a.add(1_000_100.4);
    a.add(999_000);
    a.add(1_000_200);
    expect([a.has(1_000_101), a.has(1_000_100), a.has(1_000_200), a.has(1_000_300)]).toEqual([
      true,
      false,
      true,
      false,
    ]);
    await vi.advanceTimersByTimeAsync(150);
    expect(came).toEqual([[999_000], [1_000_101]]);
    expect([a.has(1_000_101), a.has(1_000_200)]).toEqual([false, true]);
  });

  it('wakes at once for a due time that has passed, and once for several come together', async () => {
    const { alarm: a, wakes } = alarm();
    a.add(999_000);
    a.add(999_500);
    await vi.advanceTimersByTimeAsync(0);
    expect(wakes).toEqual([1_000_000]);
  });

  it('re-arms for an earlier due time added after a later one', async () => {
    const { alarm: a, wakes } = alarm();
    a.add(1_005_000);
    a.add(1_000_050);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(wakes).toEqual([1_000_050, 1_005_000]);
  });

  it('waits at most a minute at a time for a far due time, and still wakes at it', async () => {
    const { alarm: a, wakes } = alarm();
    a.add(1_000_000 + 150_000);
    await vi.advanceTimersByTimeAsync(149_999);
    expect(wakes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(wakes).toEqual([1_150_000]);
  });

  it(`remembers at most ${MAX_DUE_TIMES} due times, dropping the latest`, async () => {
    const { alarm: a, wakes } = alarm();
    for (let i = MAX_DUE_TIMES + 10; i > 0; i -= 1) a.add(1_000_000 + i);
    expect(a.size).toBe(MAX_DUE_TIMES);
    a.add(1_000_000 + MAX_DUE_TIMES + 5);
    expect(a.size).toBe(MAX_DUE_TIMES);
    await vi.advanceTimersByTimeAsync(MAX_DUE_TIMES + 100);
    expect(wakes).toHaveLength(MAX_DUE_TIMES);
    expect(wakes.at(-1)).toBe(1_000_000 + MAX_DUE_TIMES);
  });

  it('clear forgets every due time', async () => {
    const { alarm: a, wakes } = alarm();
    a.add(1_000_010);
    a.clear();
    await vi.advanceTimersByTimeAsync(100);
    expect(wakes).toEqual([]);
    expect(a.size).toBe(0);
  });
});
