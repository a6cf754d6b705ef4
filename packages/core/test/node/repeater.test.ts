import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Repeater } from '../../src/node/repeater.js';
import { systemTimers } from '../../src/strategies/timers.js';
import { useFakeTime } from './harness.js';

beforeEach(() => useFakeTime());
afterEach(() => vi.useRealTimers());

describe('Repeater', () => {
  it('asks a pause function after each run, and a nudge runs the duty at once, or right after the run under way', async () => {
    const start = Date.now();
    const runs: number[] = [];
    let release: (() => void) | undefined;
    const pauses = [100, 500, 500, 500];
    const repeater = new Repeater(
      () => pauses.shift() ?? 1_000,
      async () => {
        runs.push(Date.now() - start);
        if (runs.length === 3) await new Promise<void>((resolve) => (release = resolve));
      },
      systemTimers,
    );
    await vi.advanceTimersByTimeAsync(100);
    expect(runs).toEqual([100]);
    // Waiting 500 ms for the second run: a nudge runs it now.
    await vi.advanceTimersByTimeAsync(50);
    repeater.nudge();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toEqual([100, 150]);
    // The third run hangs; a nudge meanwhile makes the fourth follow it at once.
    await vi.advanceTimersByTimeAsync(500);
    expect(runs).toEqual([100, 150, 650]);
    repeater.nudge();
    await vi.advanceTimersByTimeAsync(200);
    release?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toEqual([100, 150, 650, 850]);
    // Then the pauses again.
    await vi.advanceTimersByTimeAsync(500);
    expect(runs).toEqual([100, 150, 650, 850, 1350]);
    await repeater.stop();
    repeater.nudge();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(runs).toHaveLength(5);
  });
});
