import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './helpers.js';

// `rookery migrate` on a real PostgreSQL (trust auth on loopback, so any password connects),
// in a database of its own.
const ADMIN_URL = process.env.ROOKERY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const database = `rookery_cli_redact_${randomUUID().replace(/-/g, '').slice(0, 12)}`;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

beforeAll(() => admin(`CREATE DATABASE ${database}`));
afterAll(() => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));

describe('rookery migrate prints the database URL without its secrets', () => {
  it('hides a password holding @, : and percent escapes, and secret query parameters', async () => {
    const { host } = new URL(ADMIN_URL);
    const r = await cli([
      'migrate',
      '--db',
      `postgres://postgres:p@ss:w%2Frd@${host}/${database}?application_name=redact&sslpassword=k3y`,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`(postgres://postgres:***@${host}/${database}?application_name=redact&sslpassword=***)`);
    expect(r.stdout).not.toMatch(/ss:w|w%2Frd|k3y/);
  });
});
