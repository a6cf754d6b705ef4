/**
 * Throwaway TLS database servers for the TLS tests: a CA and a server certificate made with
 * `openssl` in a temp directory, a second PostgreSQL (initdb + pg_ctl) and a second MariaDB
 * (mariadb-install-db + mariadbd) serving TLS with it on spare loopback ports. As root (the
 * CI), PostgreSQL runs as the `postgres` user, which initdb requires; otherwise as the current
 * user.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where PostgreSQL's server binaries are. */
export const PG_BIN = process.env['ROOKERY_TEST_PG_BIN'] ?? '/usr/lib/postgresql/15/bin';

/** Certificates of the throwaway CA, in a temp directory. */
export interface TestCertificates {
  /** The directory holding them (and the servers' data). */
  dir: string;
  /** The CA that signed the server certificate, PEM file. */
  caFile: string;
  /** Another CA, which signed nothing here, PEM file. */
  otherCaFile: string;
  /** Server certificate for `localhost` and `127.0.0.1`, PEM file. */
  certFile: string;
  /** Its key, PEM file. */
  keyFile: string;
}

/** A server started for a test; `stop` ends it. */
export interface TestServer {
  /** Its loopback port. */
  port: number;
  /** Stops it. */
  stop(): Promise<void>;
}

/** The binaries the TLS servers need, or what is missing. */
export function missingTlsTools(): string[] {
  const needed = [join(PG_BIN, 'initdb'), join(PG_BIN, 'pg_ctl'), '/usr/bin/openssl'];
  const missing = needed.filter((path) => !existsSync(path));
  if (!existsSync('/usr/sbin/mariadbd') || !existsSync('/usr/bin/mariadb-install-db'))
    missing.push('mariadbd, mariadb-install-db');
  return missing;
}

/** A TCP port free on loopback now. */
export async function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function openssl(dir: string, ...args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir });
}

/** Makes a CA, a server certificate it signs (localhost, 127.0.0.1) and an unrelated CA. */
export async function makeCertificates(): Promise<TestCertificates> {
  const dir = await mkdtemp(join(tmpdir(), 'rookery-tls-'));
  // The servers (PostgreSQL as its own user) write their data and logs below it.
  await chmod(dir, 0o755);
  const days = ['-days', '2'];
  await openssl(
    dir,
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    ...days,
    '-subj',
    '/CN=Rookery test CA',
  );
  await openssl(
    dir,
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'other-ca.key',
    '-out',
    'other-ca.crt',
    ...days,
    '-subj',
    '/CN=Unrelated CA',
  );
  await openssl(
    dir,
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=localhost',
  );
  await writeFile(join(dir, 'san.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  await openssl(
    dir,
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    ...days,
    '-extfile',
    'san.cnf',
  );
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    otherCaFile: join(dir, 'other-ca.crt'),
    certFile: join(dir, 'server.crt'),
    keyFile: join(dir, 'server.key'),
  };
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL binary, as the `postgres` user when this process is root. */
async function pgRun(binary: string, args: string[]): Promise<void> {
  const path = join(PG_BIN, binary);
  if (asRoot) await run('runuser', ['-u', 'postgres', '--', path, ...args]);
  else await run(path, args);
}

/** A PostgreSQL cluster serving TLS with the test certificate (trust authentication, user `postgres`). */
export async function startTlsPostgres(certs: TestCertificates): Promise<TestServer> {
  const data = join(certs.dir, 'pg');
  await mkdir(data, { mode: 0o700 });
  const ids = asRoot ? (await run('id', ['-u', 'postgres'])).stdout.trim() : '';
  const gid = asRoot ? (await run('id', ['-g', 'postgres'])).stdout.trim() : '';
  const own = async (path: string): Promise<void> => {
    if (asRoot) await chown(path, Number(ids), Number(gid));
  };
  await own(data);
  await pgRun('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '--no-instructions']);
  for (const name of ['server.crt', 'server.key']) {
    await copyFile(join(certs.dir, name), join(data, name));
    await own(join(data, name));
    await chmod(join(data, name), 0o600);
  }
  const socketDir = join(certs.dir, 'pg-socket');
  await mkdir(socketDir);
  await own(socketDir);
  const port = await sparePort();
  const settings = [
    `-c port=${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${socketDir}`,
    '-c ssl=on',
    '-c ssl_cert_file=server.crt',
    '-c ssl_key_file=server.key',
    '-c fsync=off',
    '-c shared_buffers=16MB',
  ].join(' ');
  await pgRun('pg_ctl', ['-D', data, '-w', '-t', '30', '-l', join(data, 'server.log'), '-o', settings, 'start']);
  return {
    port,
    stop: async () => {
      await pgRun('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    },
  };
}

/** A MariaDB serving TLS with the test certificate (`root` without a password). */
export async function startTlsMariadb(certs: TestCertificates): Promise<TestServer> {
  const data = join(certs.dir, 'mariadb');
  const user = asRoot ? ['--user=root'] : [];
  await run('mariadb-install-db', [
    '--no-defaults',
    `--datadir=${data}`,
    ...user,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
  ]);
  const port = await sparePort();
  const child: ChildProcess = spawn(
    'mariadbd',
    [
      '--no-defaults',
      `--datadir=${data}`,
      ...user,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${join(certs.dir, 'mariadb.sock')}`,
      `--pid-file=${join(certs.dir, 'mariadb.pid')}`,
      `--ssl-ca=${certs.caFile}`,
      `--ssl-cert=${certs.certFile}`,
      `--ssl-key=${certs.keyFile}`,
      '--skip-log-bin',
      '--innodb-buffer-pool-size=16M',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let attempt = 0; !/ready for connections/.test(log); attempt += 1) {
    if (child.exitCode !== null || attempt > 300) {
      child.kill('SIGKILL');
      throw new Error(`mariadbd did not start on port ${port}:\n${log}`);
    }
    await sleep(100);
  }
  return {
    port,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Removes the certificates and the servers' data. */
export async function removeCertificates(certs: TestCertificates): Promise<void> {
  await rm(certs.dir, { recursive: true, force: true });
}
