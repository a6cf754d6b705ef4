import { describe, expect, it } from 'vitest';
import { toPositional } from '../src/store/positional-sql.js';

describe('toPositional', () => {
  it('binds each named replacement to a placeholder, in order, and a name used twice twice', () => {
    expect(toPositional('UPDATE t SET a = :a WHERE id = :id AND b < :a', { a: 1, id: 'x' }, '?')).toEqual({
      sql: 'UPDATE t SET a = ? WHERE id = ? AND b < ?',
      values: [1, 'x', 1],
    });
  });

  it('expands an array to a list, an array of arrays to tuples, and an empty array to NULL', () => {
    expect(
      toPositional(
        'WHERE id IN (:ids) AND (id, fence) IN (:pairs) AND x IN (:none)',
        {
          ids: ['a', 'b'],
          pairs: [
            ['a', 1],
            ['b', 2],
          ],
          none: [],
        },
        '?',
      ),
    ).toEqual({
      sql: 'WHERE id IN (?, ?) AND (id, fence) IN ((?, ?), (?, ?)) AND x IN (NULL)',
      values: ['a', 'b', 'a', 1, 'b', 2],
    });
    expect(
      toPositional(
        'INSERT INTO e (a, b) VALUES :rows',
        {
          rows: [
            [1, null],
            [2, 'r'],
          ],
        },
        '?',
      ).sql,
    ).toBe('INSERT INTO e (a, b) VALUES (?, ?), (?, ?)');
  });

  it('leaves colons inside quoted strings and identifiers, and casts, alone', () => {
    const sql = `SELECT ':not' AS "a:b", x::bigint, \`c:d\` FROM t WHERE reason = 'skipped: busy' AND at = :at`;
    expect(toPositional(sql, { at: 5 }, '?')).toEqual({ sql: sql.replace(':at', '?'), values: [5] });
  });

  it('binds undefined as NULL and keeps a statement without replacements as it is', () => {
    expect(toPositional('UPDATE t SET a = :a', { a: undefined }, '?').values).toEqual([null]);
    expect(toPositional('COMMIT', {}, '?')).toEqual({ sql: 'COMMIT', values: [] });
  });

  it('refuses a statement naming a replacement that has no value, naming it', () => {
    expect(() => toPositional('WHERE id = :id', {}, '?')).toThrow(/:id/);
  });
});
