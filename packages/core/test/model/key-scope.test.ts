import { describe, expect, it } from 'vitest';
import { keyLock, validateKeyScope } from '../../src/model/key-scope.js';
import { ValidationError } from '../../src/errors/validation-error.js';

describe('key scopes', () => {
  it('locks an ever key by the key, a period key by the period its instant falls in, and a live key not at all', () => {
    expect(keyLock('k', 'live', 5_000)).toBeNull();
    expect(keyLock(null, 'ever', 5_000)).toBeNull();
    expect(keyLock('k', 'ever', 5_000)).toBe('ever:k');
    expect(keyLock('k', { periodMs: 60_000 }, 59_999)).toBe('period:60000:0:k');
    expect(keyLock('k', { periodMs: 60_000 }, 60_000)).toBe('period:60000:1:k');
    expect(keyLock('k', { periodMs: 60_000 }, 119_999)).toBe(keyLock('k', { periodMs: 60_000 }, 60_000));
  });

  it('defaults to live and refuses a bad scope by its field', () => {
    expect(validateKeyScope(undefined)).toBe('live');
    expect(validateKeyScope({ periodMs: 1_000 })).toEqual({ periodMs: 1_000 });
    for (const [bad, field] of [
      ['never', 'keyScope'],
      [[], 'keyScope'],
      [{ periodMs: 1.5 }, 'keyScope.periodMs'],
      [{ periodMs: 367 * 86_400_000 }, 'keyScope.periodMs'],
      [{ ms: 1 }, 'keyScope.ms'],
    ] as const) {
      expect(() => validateKeyScope(bad), JSON.stringify(bad)).toThrow(
        expect.objectContaining({ constructor: ValidationError, field }),
      );
    }
  });
});
