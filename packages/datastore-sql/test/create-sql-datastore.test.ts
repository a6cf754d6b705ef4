import { ValidationError } from '@rookery/core';
import { describe, expect, it } from 'vitest';
import { createSqlDatastore, parseDatastoreUrl } from '../src/index.js';

describe('datastore URLs', () => {
  it.each([
    ['sqlite::memory:', { dialect: 'sqlite', storage: ':memory:' }],
    ['sqlite:./data/rookery.db', { dialect: 'sqlite', storage: './data/rookery.db' }],
    ['sqlite:/var/lib/rookery.db', { dialect: 'sqlite', storage: '/var/lib/rookery.db' }],
    ['sqlite:///var/lib/rookery.db', { dialect: 'sqlite', storage: '/var/lib/rookery.db' }],
    [
      'postgres://rook:s%40cret@db.example:6543/jobs',
      { dialect: 'postgres', host: 'db.example', port: 6543, database: 'jobs', username: 'rook', password: 's@cret' },
    ],
    ['postgresql://db/jobs', { dialect: 'postgres', host: 'db', database: 'jobs' }],
    [
      'postgres://postgres@127.0.0.1:5432',
      { dialect: 'postgres', host: '127.0.0.1', port: 5432, username: 'postgres' },
    ],
    [
      'mysql://root@127.0.0.1:3306/jobs',
      { dialect: 'mysql', host: '127.0.0.1', port: 3306, database: 'jobs', username: 'root' },
    ],
    ['mariadb://root@[::1]/jobs', { dialect: 'mysql', host: '::1', database: 'jobs', username: 'root' }],
    [
      'mssql://sa:pw@sql:1433/jobs',
      {
        dialect: 'mssql',
        host: 'sql',
        port: 1433,
        database: 'jobs',
        username: 'sa',
        password: 'pw',
        tls: { mode: 'verify-full', asked: 'encrypt=true (the default)' },
      },
    ],
  ])('parses %s', (url, expected) => {
    expect(parseDatastoreUrl(url)).toEqual(expected);
  });

  it.each([
    '',
    '   ',
    'sqlite:',
    'oracle://db/x',
    'db.sqlite',
    'postgres://',
    'mysql://host',
    'mssql://host/',
    'mysql://host/a/b',
  ])('refuses %j with ValidationError on field db', (url) => {
    const error = (() => {
      try {
        parseDatastoreUrl(url);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).field).toBe('db');
  });

  it('refuses bad options before connecting', async () => {
    await expect(createSqlDatastore({ url: 'nope://x' })).rejects.toMatchObject({ code: 'VALIDATION', field: 'db' });
    await expect(createSqlDatastore({ url: 'sqlite::memory:', poolMax: 0 })).rejects.toMatchObject({
      field: 'poolMax',
    });
    await expect(createSqlDatastore({ url: 'sqlite::memory:', statementTimeoutMs: 1.5 })).rejects.toMatchObject({
      field: 'statementTimeoutMs',
    });
  });

  it('refuses a bad schema or table prefix, naming the option, before connecting', async () => {
    const refused = [
      [{ url: 'sqlite::memory:', schema: 'jobs' }, 'schema', /sqlite has no schemas/],
      [{ url: 'mysql://root@127.0.0.1:1/db', schema: 'jobs' }, 'schema', /mysql has no schemas/],
      [
        { url: 'postgres://127.0.0.1:1/db?schema=a', schema: 'b' },
        'schema',
        /the option says 'b' but the URL's schema parameter says 'a'/,
      ],
      [{ url: 'sqlite::memory:', tablePrefix: 'Bad-' }, 'tablePrefix', /lower-case letters/],
      [
        { url: 'sqlite::memory:', ssl: { mode: 'sometimes' as never } },
        'ssl.mode',
        /must be one of disable, require, verify-ca, verify-full/,
      ],
    ] as const;
    for (const [options, field, message] of refused) {
      const error = await createSqlDatastore(options).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, field).toBeInstanceOf(ValidationError);
      expect(error, field).toMatchObject({ field });
      expect((error as ValidationError).message, field).toMatch(message);
    }
  });

  it('maps an unreachable server to DatastoreError', async () => {
    await expect(
      createSqlDatastore({ url: 'postgres://nobody@127.0.0.1:1/none', migrate: false }),
    ).rejects.toMatchObject({ code: 'DATASTORE' });
  });

  it('closes idempotently', async () => {
    const store = await createSqlDatastore({ url: 'sqlite::memory:' });
    await store.close();
    await store.close();
  });
});
