import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl, resolveTls, tlsConnectionOptions, ValidationError } from '../../src/index.js';

function refusal(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('database URL parameters', () => {
  it('reads PostgreSQL TLS, session name, schema and prefix', () => {
    expect(
      parseDatabaseUrl(
        'postgres://app:pw@db/jobs?sslmode=verify-full&sslrootcert=/etc/ca.pem&sslcert=/c.pem&sslkey=/k.pem&sslpassword=kp&application_name=api&schema=jobs&tablePrefix=staging_',
      ),
    ).toEqual({
      dialect: 'postgres',
      host: 'db',
      database: 'jobs',
      username: 'app',
      password: 'pw',
      tls: {
        mode: 'verify-full',
        asked: 'sslmode=verify-full',
        caFile: '/etc/ca.pem',
        certFile: '/c.pem',
        keyFile: '/k.pem',
        passphrase: 'kp',
      },
      applicationName: 'api',
      schema: 'jobs',
      tablePrefix: 'staging_',
    });
  });

  it.each([
    ['sslmode=disable', undefined],
    ['sslmode=require', { mode: 'require', asked: 'sslmode=require' }],
    ['sslmode=verify-ca', { mode: 'verify-ca', asked: 'sslmode=verify-ca' }],
    // As libpq: require with a root certificate checks the chain.
    ['sslmode=require&sslrootcert=/ca', { mode: 'verify-ca', asked: 'sslmode=require', caFile: '/ca' }],
  ])('postgres %s', (query, tls) => {
    expect(parseDatabaseUrl(`postgres://db/x?${query}`).tls).toEqual(tls);
  });

  it.each([
    ['ssl=true', { mode: 'verify-full', asked: 'ssl=true' }],
    ['ssl=true&sslverify=false', { mode: 'require', asked: 'ssl=true&sslverify=false' }],
    [
      'ssl=true&sslca=/ca&sslcert=/c&sslkey=/k',
      { mode: 'verify-full', asked: 'ssl=true', caFile: '/ca', certFile: '/c', keyFile: '/k' },
    ],
    ['ssl=false', undefined],
  ])('mysql %s', (query, tls) => {
    expect(parseDatabaseUrl(`mariadb://db/x?${query}`).tls).toEqual(tls);
  });

  it.each([
    ['', { mode: 'verify-full', asked: 'encrypt=true (the default)' }],
    ['?encrypt=true', { mode: 'verify-full', asked: 'encrypt=true' }],
    ['?encrypt=true&trustServerCertificate=true', { mode: 'require', asked: 'trustServerCertificate=true' }],
    ['?encrypt=false', { mode: 'disable', asked: 'encrypt=false' }],
  ])('mssql %s', (query, tls) => {
    expect(parseDatabaseUrl(`mssql://db/x${query}`).tls).toEqual(tls);
  });

  it('reads a SQLite table prefix after the path', () => {
    expect(parseDatabaseUrl('sqlite:./data/r.db?tablePrefix=blue_')).toEqual({
      dialect: 'sqlite',
      storage: './data/r.db',
      tablePrefix: 'blue_',
    });
  });

  it.each([
    ['postgres://db/x?sslMode=require', /unknown parameter 'sslMode' in the postgres URL; it accepts sslmode/],
    ['mysql://db/x?sslmode=require', /unknown parameter 'sslmode' in the mysql URL/],
    ['sqlite::memory:?schema=x', /unknown parameter 'schema' in the sqlite URL/],
    ['mysql://db/x?schema=x', /unknown parameter 'schema'/],
    ['postgres://db/x?sslmode=prefer', /sslmode must be one of disable, require, verify-ca, verify-full/],
    ['postgres://db/x?sslrootcert=/ca', /sslrootcert needs sslmode/],
    ['postgres://db/x?sslmode=disable&sslcert=/c', /sslcert has no use with sslmode=disable/],
    ['postgres://db/x?sslmode=require&sslmode=disable', /given twice/],
    ['mysql://db/x?sslca=/ca', /sslca needs ssl=true/],
    ['mysql://db/x?ssl=yes', /ssl must be true or false/],
    ['mssql://db/x?encrypt=false&trustServerCertificate=true', /no use with encrypt=false/],
    ['postgres://db/x?schema=Jobs', /lower-case letters/],
    ['postgres://db/x?tablePrefix=a-b', /lower-case letters/],
    [`postgres://db/x?tablePrefix=${'p'.repeat(31)}`, /1 to 30/],
  ])('refuses %s on field db', (url, message) => {
    const error = refusal(() => parseDatabaseUrl(url));
    expect(error.field).toBe('db');
    expect(error.message).toMatch(message);
  });

  it('keeps secret values out of its messages', () => {
    const error = refusal(() => parseDatabaseUrl('postgres://app:s3cret@db/x?sslpassword=k3y&bogus=1'));
    expect(error.message).not.toMatch(/s3cret|k3y/);
  });
});

describe('TLS settings', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('is plaintext when neither the URL nor the code asks for TLS', () => {
    expect(resolveTls(undefined, undefined)).toBeNull();
    expect(resolveTls({ mode: 'disable', asked: 'encrypt=false' }, undefined)).toBeNull();
  });

  it('reads the URL files and lets the code override them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rookery-tls-unit-'));
    dirs.push(dir);
    await writeFile(join(dir, 'ca.pem'), 'CA');
    const fromUrl = resolveTls(
      { mode: 'verify-ca', asked: 'sslmode=verify-ca', caFile: join(dir, 'ca.pem') },
      undefined,
    );
    expect(fromUrl).toEqual({ mode: 'verify-ca', asked: 'sslmode=verify-ca', ca: Buffer.from('CA') });
    const overridden = resolveTls(
      { mode: 'require', asked: 'sslmode=require' },
      { mode: 'verify-full', ca: 'OTHER', servername: 'db.internal' },
    );
    expect(overridden).toEqual({
      mode: 'verify-full',
      asked: 'the ssl option (mode verify-full)',
      ca: 'OTHER',
      servername: 'db.internal',
    });
    expect(resolveTls(undefined, { ca: 'X' })?.mode).toBe('verify-full');
  });

  it('names the parameter of a file it cannot read', () => {
    const error = refusal(() =>
      resolveTls({ mode: 'verify-full', asked: 'sslmode=verify-full', caFile: '/nonexistent/ca.pem' }, undefined),
    );
    expect(error.message).toMatch(/sslrootcert: cannot read the file '\/nonexistent\/ca.pem'/);
    const mode = refusal(() => resolveTls(undefined, { mode: 'prefer' as never }));
    expect(mode.field).toBe('ssl.mode');
  });

  it('maps modes to Node TLS options', () => {
    expect(tlsConnectionOptions({ mode: 'require', asked: '' })).toEqual({ rejectUnauthorized: false });
    expect(tlsConnectionOptions({ mode: 'verify-full', asked: '', ca: 'C' })).toEqual({
      rejectUnauthorized: true,
      ca: 'C',
    });
    const verifyCa = tlsConnectionOptions({ mode: 'verify-ca', asked: '' });
    expect(verifyCa.rejectUnauthorized).toBe(true);
    expect(verifyCa.checkServerIdentity?.('elsewhere', {} as never)).toBeUndefined();
  });
});
