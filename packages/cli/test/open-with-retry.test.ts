import { DatastoreError, ValidationError } from '@rookery/core';
import { createSqlDatastore, type SqlDatastore } from '@rookery/datastore-sql';
import { describe, expect, it } from 'vitest';
import { openWithRetry } from '../src/startup/open-with-retry.js';

// Nothing listens on port 1: connecting fails at once with a DatastoreError.
const UNREACHABLE = 'postgres://postgres@127.0.0.1:1/none';
const never = new Promise<never>(() => undefined);

describe('openWithRetry', () => {
  it('retries while the database cannot be reached, then opens it', async () => {
    let tries = 0;
    const retries: [number, number][] = [];
    const store = await openWithRetry<SqlDatastore>(
      () => {
        tries += 1;
        return createSqlDatastore({ url: tries < 3 ? UNREACHABLE : 'sqlite::memory:' });
      },
      { timeoutMs: 10_000, stopped: never, onRetry: (_error, attempt, waitMs) => void retries.push([attempt, waitMs]) },
    );
    expect(store).toBeDefined();
    expect(retries).toEqual([
      [1, 500],
      [2, 1_000],
    ]);
    await store?.close();
  });

  it('throws what retrying cannot fix at once', async () => {
    let tries = 0;
    const open = () => {
      tries += 1;
      return createSqlDatastore({ url: 'nosuchdb://x' });
    };
    await expect(
      openWithRetry(open, { timeoutMs: 10_000, stopped: never, onRetry: () => undefined }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(tries).toBe(1);
  });

  it('gives up with the last error once the next wait would pass the timeout', async () => {
    const retries: number[] = [];
    const attempt = openWithRetry(() => createSqlDatastore({ url: UNREACHABLE }), {
      timeoutMs: 1_000,
      stopped: never,
      onRetry: (_e, n) => void retries.push(n),
    });
    await expect(attempt).rejects.toBeInstanceOf(DatastoreError);
    // 0.5 s after the first try; the second wait (1 s) would pass 1 s.
    expect(retries).toEqual([1]);
  });

  it('resolves undefined when told to stop while waiting', async () => {
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const result = openWithRetry(() => createSqlDatastore({ url: UNREACHABLE }), {
      timeoutMs: 60_000,
      stopped,
      onRetry: () => stop(),
    });
    await expect(result).resolves.toBeUndefined();
  });
});
