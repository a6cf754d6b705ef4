import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Wakeup } from '../../src/node/wakeup.js';
import { systemTimers } from '../../src/strategies/timers.js';

beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 0 }));
afterEach(() => vi.useRealTimers());

/** A wakeup on fake time, and when each of its sleeps ended. */
function sleeper() {
  const wakeup = new Wakeup(systemTimers, () => Date.now());
  const ended: number[] = [];
  const sleep = (ms: number, paceFrom?: number): Promise<void> =>
    wakeup.sleep(ms, paceFrom).then(() => void ended.push(Date.now()));
  return { wakeup, ended, sleep };
}

describe('Wakeup', () => {
  it('a wake ends a sleep at once, its pace notwithstanding', async () => {
    const { wakeup, ended, sleep } = sleeper();
    const done = sleep(300, 50);
    await vi.advanceTimersByTimeAsync(5);
    wakeup.wake();
    await done;
    expect(ended).toEqual([5]);
  });

  it('a nudge ends a sleep no sooner than its pace, and at once after it', async () => {
    const { wakeup, ended, sleep } = sleeper();
    const first = sleep(300, 10);
    await vi.advanceTimersByTimeAsync(2);
    wakeup.nudge();
    await vi.advanceTimersByTimeAsync(7);
    expect(ended).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await first;
    expect(ended).toEqual([10]);
    const second = sleep(300, 15);
    await vi.advanceTimersByTimeAsync(10);
    wakeup.nudge();
    await second;
    expect(ended).toEqual([10, 20]);
  });

  it('remembers a nudge or a wake that came between sleeps', async () => {
    const { wakeup, ended, sleep } = sleeper();
    wakeup.nudge();
    const paced = sleep(300, 4);
    await vi.advanceTimersByTimeAsync(4);
    await paced;
    expect(ended).toEqual([4]);
    wakeup.nudge();
    await sleep(300, 0);
    expect(ended).toEqual([4, 4]);
    wakeup.wake();
    await sleep(300, 100);
    expect(ended).toEqual([4, 4, 4]);
  });

  it('without a nudge or a wake, sleeps its whole time', async () => {
    const { ended, sleep } = sleeper();
    const done = sleep(250, 10);
    await vi.advanceTimersByTimeAsync(250);
    await done;
    expect(ended).toEqual([250]);
  });
});
