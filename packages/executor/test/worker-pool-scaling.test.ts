import { describe, expect, it } from 'vitest';
import { ValidationError } from '@rookery/core';
import { WorkerPool } from '../src/index.js';

/** A clock the test moves by hand. */
function manualClock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('WorkerPool rate limits (per node)', () => {
  it('lets an executor start at most N per second, as a token bucket, and leaves the others alone', () => {
    const clock = manualClock();
    const pool = new WorkerPool({ concurrency: 100, rateLimits: { mail: 5 }, now: clock.now });
    expect(pool.free('mail')).toBe(5);
    for (let i = 0; i < 5; i += 1) expect(pool.acquire('mail')).toBe(true);
    expect(pool.free('mail')).toBe(0);
    expect(pool.acquire('mail')).toBe(false);
    expect(pool.free('other')).toBe(95);
    clock.advance(200); // one token back
    expect(pool.free('mail')).toBe(1);
    clock.advance(10_000); // never more than one second's worth
    expect(pool.free('mail')).toBe(5);
    // releases do not give tokens back
    for (let i = 0; i < 5; i += 1) pool.release('mail');
    expect(pool.free('mail')).toBe(5);
  });

  it('starts no more than the rate over a long run', () => {
    const clock = manualClock();
    const pool = new WorkerPool({ concurrency: 100, rateLimits: { mail: 5 }, now: clock.now });
    let starts = 0;
    for (let ms = 0; ms < 10_000; ms += 50) {
      while (pool.acquire('mail')) {
        starts += 1;
        pool.release('mail');
      }
      clock.advance(50);
    }
    expect(starts).toBeLessThanOrEqual(5 + 50); // the first burst, then 5 a second
    expect(starts).toBeGreaterThanOrEqual(50);
  });
});

describe('WorkerPool autoscaling', () => {
  it('grows from the minimum toward the maximum while claims come back full, and shrinks back when idle after the cool-down', () => {
    const clock = manualClock();
    const sizes: number[] = [];
    const pool = new WorkerPool({
      minWorkers: 2,
      maxWorkers: 10,
      scaleDownAfterMs: 5_000,
      now: clock.now,
      onResize: (n) => sizes.push(n),
    });
    expect(pool.concurrency).toBe(2);
    // A backlog: each poll the node claims every free slot and gets them all.
    for (let poll = 0; poll < 6; poll += 1) {
      const asked = pool.freeTotal();
      for (let i = 0; i < asked; i += 1) pool.acquire('work');
      pool.claimed(asked, asked);
      clock.advance(250);
    }
    expect(sizes).toEqual([3, 5, 8, 10]);
    expect(pool.concurrency).toBe(10);
    // The backlog drains: claims come back short; work ends.
    for (let i = 0; i < 10; i += 1) pool.release('work');
    pool.claimed(pool.freeTotal(), 0);
    expect(pool.concurrency).toBe(10); // within the cool-down
    for (let poll = 0; poll < 200; poll += 1) {
      clock.advance(250);
      pool.claimed(pool.freeTotal(), 0);
    }
    expect(pool.concurrency).toBe(2);
    expect(sizes.slice(4)).toEqual([5, 3, 2]);
  });

  it("does not grow for a claim held back by an executor's own rate", () => {
    const clock = manualClock();
    const pool = new WorkerPool({ minWorkers: 4, maxWorkers: 8, rateLimits: { mail: 1 }, now: clock.now });
    const asked = pool.free('mail');
    expect(asked).toBe(1);
    pool.acquire('mail');
    pool.claimed(asked, 1);
    expect(pool.concurrency).toBe(4);
  });

  it('never shrinks below the workers busy', () => {
    const clock = manualClock();
    const pool = new WorkerPool({ minWorkers: 1, maxWorkers: 8, scaleDownAfterMs: 1_000, now: clock.now });
    for (let i = 0; i < 3; i += 1) {
      const asked = pool.freeTotal();
      for (let j = 0; j < asked; j += 1) pool.acquire('work');
      pool.claimed(asked, asked);
    }
    expect(pool.concurrency).toBe(5);
    expect(pool.running()).toBe(3);
    pool.release('work'); // two still busy
    clock.advance(60_000);
    for (let i = 0; i < 10; i += 1) {
      pool.claimed(pool.freeTotal(), 0);
      clock.advance(1_000);
    }
    expect(pool.concurrency).toBe(2);
  });

  it.each([
    [{ maxWorkers: 0 }, 'maxWorkers'],
    [{ maxWorkers: 4, minWorkers: 5 }, 'minWorkers'],
    [{ maxWorkers: 4, concurrency: 4 }, 'concurrency'],
    [{ minWorkers: 2 }, 'maxWorkers'],
    [{ rateLimits: { mail: 0 } }, 'rateLimits.mail'],
  ])('refuses %o naming %s', (options, field) => {
    expect(() => new WorkerPool(options)).toThrow(ValidationError);
    try {
      new WorkerPool(options);
    } catch (e) {
      expect((e as ValidationError).field).toBe(field);
    }
  });
});
