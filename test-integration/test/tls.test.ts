import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RookeryError } from '@rookery/core';
import { createSqlDatastore, type SqlDatastore } from '@rookery/datastore-sql';
import { pgWakeSignals } from '@rookery/messaging';
import {
  mariadbDialect,
  postgresDialect,
  type TestDatabase,
} from '../../packages/datastore-sql/test/helpers/test-databases.js';
import {
  makeCertificates,
  missingTlsTools,
  removeCertificates,
  startTlsMariadb,
  startTlsPostgres,
  type TestCertificates,
  type TestServer,
} from '../src/tls-servers.js';

// Real TLS: a throwaway CA signs a certificate for localhost/127.0.0.1; a second PostgreSQL and
// a second MariaDB serve TLS with it on spare ports. Verified connections succeed, a wrong CA
// is refused, and TLS asked of the plain local servers is refused with an error that says so
// and holds no password. In the integration project: it starts two database servers (about
// 10 s of initdb and mariadb-install-db), which must not compete with the unit tests' workers.

const missing = missingTlsTools();
if (missing.length > 0) {
  const message = `TLS tests need ${missing.join(', ')}`;
  if (process.env['CI'] === 'true') throw new Error(`${message} (CI=true: they must run)`);
  console.warn(`\n*** SKIPPED: ${message}. ***\n`);
}
const postgres = await postgresDialect();
const mariadb = await mariadbDialect();
const PASSWORD = 'n0t-in-any-error';

/** The rejection of `promise`, failing the test when it resolves. */
async function refusal(promise: Promise<unknown>): Promise<RookeryError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error('expected a refusal, but it connected');
  return outcome.error as RookeryError;
}

/** Every message in an error's cause chain, for checking that no password leaks. */
function allText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 6; depth += 1) {
    parts.push(String(e), (e as { stack?: string }).stack ?? '');
    const r = e as Record<string, unknown>;
    e = r['original'] ?? r['parent'] ?? r['cause'];
  }
  return parts.join('\n');
}

describe.skipIf(missing.length > 0)('TLS connections to real servers', () => {
  let certs: TestCertificates;
  let pgServer: TestServer;
  let mariadbServer: TestServer;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    certs = await makeCertificates();
    cleanups.push(() => removeCertificates(certs));
    [pgServer, mariadbServer] = await Promise.all([startTlsPostgres(certs), startTlsMariadb(certs)]);
    cleanups.push(
      () => pgServer.stop(),
      () => mariadbServer.stop(),
    );
  }, 90_000);

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  async function open(url: string, ssl?: Parameters<typeof createSqlDatastore>[0]['ssl']): Promise<SqlDatastore> {
    const store = await createSqlDatastore({ url, migrate: 'manual', ...(ssl ? { ssl } : {}) });
    cleanups.push(() => store.close());
    return store;
  }

  describe('postgres', () => {
    const base = (): string => `postgres://postgres:${PASSWORD}@127.0.0.1:${pgServer.port}/postgres`;

    it('verify-full with the CA connects, encrypted', async () => {
      const store = await open(`${base()}?sslmode=verify-full&sslrootcert=${encodeURIComponent(certs.caFile)}`);
      const [rows] = await store.sequelize.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(rows).toEqual([{ ssl: true }]);
    });

    it('the CA given in code (the ssl option) connects with verify-full', async () => {
      const store = await open(base(), { ca: await readFile(certs.caFile) });
      const [rows] = await store.sequelize.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(rows).toEqual([{ ssl: true }]);
    });

    it('a wrong CA is refused, saying the certificate was refused', async () => {
      const error = await refusal(
        open(`${base()}?sslmode=verify-full&sslrootcert=${encodeURIComponent(certs.otherCaFile)}`),
      );
      expect(error.code).toBe('DATASTORE');
      expect(error.message).toMatch(/presented a TLS certificate that sslmode=verify-full refuses/);
      expect(allText(error)).not.toContain(PASSWORD);
    });

    it('require against the plain local server is refused, saying it does not accept TLS', async () => {
      expect(postgres.available).toBe(true);
      const db: TestDatabase = await postgres.create();
      cleanups.push(() => db.drop());
      const plain = new URL(db.url);
      plain.password = PASSWORD;
      plain.search = 'sslmode=require';
      const error = await refusal(open(plain.toString()));
      expect(error.code).toBe('DATASTORE');
      expect(error.message).toMatch(/does not accept TLS connections, but sslmode=require asks for TLS/);
      expect(allText(error)).not.toContain(PASSWORD);
    });

    it('wake signals read the same URL: a notification crosses TLS sessions, and a wrong CA is reported', async () => {
      const url = `${base()}?sslmode=verify-full&sslrootcert=${encodeURIComponent(certs.caFile)}`;
      const errors: unknown[] = [];
      const listener = pgWakeSignals({ url, onError: (e) => errors.push(e) });
      const sender = pgWakeSignals({ url, onError: (e) => errors.push(e) });
      cleanups.push(
        () => listener.close(),
        () => sender.close(),
      );
      const received = new Promise<number>((resolve) => {
        listener.listen(resolve, (e) => errors.push(e));
      });
      // The listening session may still be connecting: announce until it hears one.
      const timer = setInterval(() => sender.announce(42), 200);
      try {
        expect(await received).toBe(42);
      } finally {
        clearInterval(timer);
      }
      expect(errors).toEqual([]);

      const wrongErrors: unknown[] = [];
      const wrong = pgWakeSignals({
        url: `${base()}?sslmode=verify-full&sslrootcert=${encodeURIComponent(certs.otherCaFile)}`,
        onError: (e) => wrongErrors.push(e),
      });
      cleanups.push(() => wrong.close());
      wrong.announce(1);
      await expect.poll(() => wrongErrors.length, { timeout: 10_000 }).toBeGreaterThan(0);
      expect(String(wrongErrors[0])).toMatch(/presented a TLS certificate that sslmode=verify-full refuses/);
      expect(allText(wrongErrors[0])).not.toContain(PASSWORD);
    });
  });

  describe('mariadb', () => {
    const base = (): string => `mysql://root@127.0.0.1:${mariadbServer.port}/mysql`;

    it('ssl=true with the CA (verified, host name included) connects, encrypted', async () => {
      const store = await open(`${base()}?ssl=true&sslca=${encodeURIComponent(certs.caFile)}`);
      const [rows] = await store.sequelize.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
      expect((rows as { Value: string }[])[0]?.Value).toMatch(/\w/);
    });

    it('a wrong CA is refused, saying the certificate was refused', async () => {
      const error = await refusal(open(`${base()}?ssl=true&sslca=${encodeURIComponent(certs.otherCaFile)}`));
      expect(error.code).toBe('DATASTORE');
      expect(error.message).toMatch(/presented a TLS certificate that ssl=true refuses/);
    });

    it('ssl=true against the plain local server is refused, saying it does not accept TLS', async () => {
      expect(mariadb.available).toBe(true);
      const db: TestDatabase = await mariadb.create();
      cleanups.push(() => db.drop());
      const plain = new URL(db.url);
      plain.password = PASSWORD;
      plain.search = 'ssl=true&sslverify=false';
      const error = await refusal(open(plain.toString()));
      expect(error.code).toBe('DATASTORE');
      expect(error.message).toMatch(/does not accept TLS connections, but ssl=true&sslverify=false asks for TLS/);
      expect(allText(error)).not.toContain(PASSWORD);
    });
  });
});
