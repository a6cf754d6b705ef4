import { describe, expect, it } from 'vitest';
import { uuidV7 } from '../../src/strategies/ids.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidV7', () => {
  it('gives distinct version-7 ids carrying the instant, across many refills of its random pool', () => {
    const now = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    const ids = Array.from({ length: 10_000 }, () => uuidV7(now));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(UUID_V7);
      expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(now);
    }
  });

  it('draws fresh random bits for each id: no two ids of one instant share their random tail', () => {
    const tails = Array.from({ length: 1_000 }, () => uuidV7(0).slice(14));
    expect(new Set(tails).size).toBe(tails.length);
  });
});
