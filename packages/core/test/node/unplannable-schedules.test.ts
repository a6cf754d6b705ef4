import { describe, expect, it } from 'vitest';
import { MAX_REMEMBERED_UNPLANNABLE, UnplannableSchedules } from '../../src/node/duties/unplannable-schedules.js';

describe('UnplannableSchedules', () => {
  it('tells a failure once, again when its message changes or after the schedule peeled', () => {
    const unplannable = new UnplannableSchedules();
    expect(unplannable.failed('s1', 'no misfire strategy')).toBe(true);
    expect(unplannable.failed('s1', 'no misfire strategy')).toBe(false);
    expect(unplannable.failed('s2', 'no misfire strategy')).toBe(true);
    expect(unplannable.failed('s1', 'another error')).toBe(true);
    expect(unplannable.failed('s1', 'another error')).toBe(false);
    unplannable.peeled('s1');
    expect(unplannable.failed('s1', 'another error')).toBe(true);
  });

  it(`remembers at most ${MAX_REMEMBERED_UNPLANNABLE} schedules, forgetting the one changed longest ago first`, () => {
    const unplannable = new UnplannableSchedules();
    for (let i = 0; i < MAX_REMEMBERED_UNPLANNABLE; i++) unplannable.failed(`s${i}`, 'boom');
    // s0 changes, so s1 is now the one changed longest ago
    expect(unplannable.failed('s0', 'bang')).toBe(true);
    expect(unplannable.failed('new', 'boom')).toBe(true);
    expect(unplannable.failed('s0', 'bang')).toBe(false);
    expect(unplannable.failed('s2', 'boom')).toBe(false);
    expect(unplannable.failed('s1', 'boom')).toBe(true);
  });
});
