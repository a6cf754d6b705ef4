import { describe, expect, it } from 'vitest';
import { ValidationError } from '@rookery/core';
import type { WorkerPool as WorkerPoolContract } from '@rookery/core';
import { WorkerPool } from '../src/index.js';

describe('WorkerPool', () => {
  it('implements the core contract and defaults to 10 slots', () => {
    const pool: WorkerPoolContract = new WorkerPool();
    expect(pool.freeTotal()).toBe(10);
    expect(pool.free('any')).toBe(10);
    expect(pool.running()).toBe(0);
  });

  it('enforces the global limit across executors', () => {
    const pool = new WorkerPool({ concurrency: 3 });
    expect(pool.acquire('a')).toBe(true);
    expect(pool.acquire('b')).toBe(true);
    expect(pool.acquire('a')).toBe(true);
    expect(pool.acquire('c')).toBe(false);
    expect(pool.running()).toBe(3);
    expect(pool.freeTotal()).toBe(0);
    pool.release('b');
    expect(pool.free('c')).toBe(1);
    expect(pool.acquire('c')).toBe(true);
  });

  it('enforces per-executor limits, capped by the global free count', () => {
    const pool = new WorkerPool({ concurrency: 4, perExecutor: { mail: 2, big: 9 } });
    expect(pool.free('mail')).toBe(2);
    expect(pool.free('big')).toBe(4);
    expect(pool.acquire('mail')).toBe(true);
    expect(pool.acquire('mail')).toBe(true);
    expect(pool.acquire('mail')).toBe(false);
    expect(pool.free('mail')).toBe(0);
    expect(pool.free('other')).toBe(2);
    expect(pool.free('big')).toBe(2);
    expect(pool.running('mail')).toBe(2);
    pool.release('mail');
    expect(pool.free('mail')).toBe(1);
    expect(pool.running()).toBe(1);
  });

  it('treats executor names like __proto__ as ordinary names', () => {
    const pool = new WorkerPool({
      concurrency: 2,
      perExecutor: JSON.parse('{"__proto__": 1}') as Record<string, number>,
    });
    expect(pool.acquire('__proto__')).toBe(true);
    expect(pool.acquire('__proto__')).toBe(false);
    expect(pool.free('constructor')).toBe(1);
  });

  it('throws on release without acquire and never goes negative', () => {
    const pool = new WorkerPool({ concurrency: 2 });
    expect(() => pool.release('a')).toThrow(/invariant/);
    pool.acquire('b');
    expect(() => pool.release('a')).toThrow(/invariant/);
    pool.release('b');
    expect(() => pool.release('b')).toThrow(/invariant/);
    expect(pool.running()).toBe(0);
    expect(pool.freeTotal()).toBe(2);
  });

  it.each([
    [{ concurrency: 0 }, 'concurrency'],
    [{ concurrency: 1.5 }, 'concurrency'],
    [{ concurrency: Number.NaN }, 'concurrency'],
    [{ perExecutor: { mail: 0 } }, 'perExecutor.mail'],
    [{ perExecutor: { mail: '2' as unknown as number } }, 'perExecutor.mail'],
    [{ perExecutor: [] as unknown as Record<string, number> }, 'perExecutor'],
  ])('refuses %o naming %s', (options, field) => {
    let err: unknown;
    try {
      new WorkerPool(options);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe(field);
  });
});
