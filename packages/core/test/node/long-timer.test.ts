import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS, setLongTimeout } from '../../src/node/long-timer.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('setLongTimeout', () => {
  it('waits the whole delay past the 24.8-day limit of Node timers', async () => {
    const fired = vi.fn();
    setLongTimeout(fired, 30 * 86_400_000);
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS + 1_000);
    expect(fired).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(30 * 86_400_000 - MAX_TIMER_MS);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it('can be cancelled in any leg', async () => {
    const fired = vi.fn();
    const timer = setLongTimeout(fired, 2 * MAX_TIMER_MS + 5);
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS + 10);
    timer.cancel();
    await vi.advanceTimersByTimeAsync(3 * MAX_TIMER_MS);
    expect(fired).not.toHaveBeenCalled();
  });
});
