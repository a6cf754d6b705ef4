import { describe, expect, it } from 'vitest';
import { isPackageMissing, MissingDriverError } from '../../src/index.js';

describe('a missing database driver', () => {
  it('is told apart from other import failures, and named with the command that installs it', async () => {
    const failure = await import('rookery-no-such-driver' as string).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isPackageMissing(failure, 'rookery-no-such-driver')).toBe(true);
    expect(isPackageMissing(failure, 'pg')).toBe(false);
    expect(isPackageMissing(new Error('boom'), 'rookery-no-such-driver')).toBe(false);
    const error = new MissingDriverError('pg', 'the postgres datastore', { cause: failure });
    expect(error).toMatchObject({ code: 'MISSING_DRIVER', packageName: 'pg' });
    expect(error.message).toBe(
      "the postgres datastore needs the npm package 'pg', which is not installed; install it: npm install pg",
    );
  });
});
