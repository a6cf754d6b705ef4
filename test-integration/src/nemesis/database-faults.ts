import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { QueryTypes, type Sequelize } from 'sequelize';

const run = promisify(execFile);

/** The server dialects the database faults apply to. */
export type ServerLabel = 'postgres' | 'mariadb';

const SERVER_PORT: Record<ServerLabel, number> = { postgres: 5432, mariadb: 3306 };

/**
 * Local ports of the established TCP connections that process `pid` holds to the database
 * server on loopback, read with `ss` (iproute2), so its sessions can be found on the server.
 */
export async function clientPorts(pid: number, server: ServerLabel): Promise<number[]> {
  const { stdout } = await run('ss', ['-tnpH', 'state', 'established', `( dport = :${SERVER_PORT[server]} )`]);
  const ports: number[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.includes(`pid=${pid},`)) continue;
    const local = /\s(\S+):(\d+)\s+\S+:\d+\s/.exec(line);
    if (local?.[2]) ports.push(Number(local[2]));
  }
  return ports;
}

/**
 * Kills, from the server side, every database session that process `pid` holds
 * (`pg_terminate_backend`, MariaDB `KILL CONNECTION`), through an admin connection. Returns how
 * many sessions were killed.
 */
export async function killSessionsOf(pid: number, server: ServerLabel, admin: Sequelize): Promise<number> {
  const ports = await clientPorts(pid, server);
  if (ports.length === 0) return 0;
  if (server === 'postgres') {
    const rows = await admin.query<{ killed: boolean }>(
      'SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE client_port IN (:ports) AND pid <> pg_backend_pid()',
      { replacements: { ports }, type: QueryTypes.SELECT },
    );
    return rows.filter((r) => r.killed).length;
  }
  const hosts = ports.map((p) => `127.0.0.1:${p}`);
  const sessions = await admin.query<{ id: number | string }>(
    'SELECT id FROM information_schema.processlist WHERE host IN (:hosts)',
    {
      replacements: { hosts },
      type: QueryTypes.SELECT,
    },
  );
  let killed = 0;
  for (const s of sessions) {
    try {
      await admin.query(`KILL CONNECTION ${Number(s.id)}`);
      killed += 1;
    } catch (error) {
      // 1094 "Unknown thread id": the session ended between the list and the kill.
      if ((error as { original?: { errno?: number } }).original?.errno !== 1094) throw error;
    }
  }
  return killed;
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

async function waitForServer(server: ServerLabel, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (server === 'postgres') await run('pg_isready', ['-h', '127.0.0.1', '-p', '5432', '-q']);
      else await run('mariadb-admin', ['-h', '127.0.0.1', '-u', 'root', 'ping']);
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`${server} did not come back within ${timeoutMs} ms`, { cause: error });
      await sleep(100);
    }
  }
}

/**
 * Stops the database server (fast shutdown: every session is cut), keeps it down for
 * `downMs`, starts it again and waits until it answers. Returns when it went down and when it
 * answered again. Needs the rights to run `pg_ctlcluster` / `mariadb-admin shutdown` and
 * `start-stop-daemon` (root on the CI machine).
 */
export async function restartServer(server: ServerLabel, downMs: number): Promise<{ at: number; until: number }> {
  if (server === 'postgres') {
    const { stdout } = await run('ls', ['/etc/postgresql']);
    const version = stdout.split('\n')[0]?.trim() ?? '';
    const at = Date.now();
    await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'stop', '-m', 'fast']);
    await sleep(downMs);
    await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']);
    await waitForServer(server, 60_000);
    return { at, until: Date.now() };
  }
  const at = Date.now();
  await run('mariadb-admin', ['-h', '127.0.0.1', '-u', 'root', 'shutdown']);
  await sleep(downMs);
  await run('start-stop-daemon', ['--start', '--oknodo', '--background', '--exec', '/usr/sbin/mariadbd']);
  await waitForServer(server, 60_000);
  return { at, until: Date.now() };
}

/**
 * The process among `pids` that holds SQLite's WAL write lock on `dbFile` right now, or
 * undefined. In WAL mode a writer holds an exclusive POSIX lock on byte 120 of the `-shm` file
 * (WAL_WRITE_LOCK) for the whole write transaction; /proc/locks lists it with the owner's pid.
 */
export async function sqliteWriteLockHolder(dbFile: string, pids: readonly number[]): Promise<number | undefined> {
  let inode: number;
  try {
    inode = (await stat(`${dbFile}-shm`)).ino;
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
  const locks = await readFile('/proc/locks', 'utf8');
  for (const line of locks.split('\n')) {
    // "12: POSIX  ADVISORY  WRITE 3765 fe:00:1474578 120 120"
    const m = /POSIX\s+ADVISORY\s+WRITE\s+(\d+)\s+[0-9a-f]+:[0-9a-f]+:(\d+)\s+(\d+)\s+(\d+|EOF)/.exec(line);
    if (!m) continue;
    const pid = Number(m[1]);
    if (Number(m[2]) === inode && Number(m[3]) === 120 && pids.includes(pid)) return pid;
  }
  return undefined;
}

/**
 * How many tasks each node (by node id) holds running, read through an admin connection that
 * no fault touches.
 */
export async function runningTasksByNode(admin: Sequelize): Promise<Map<string, number>> {
  const rows = await admin.query<{ node: string | null; held: number | string }>(
    "SELECT node_id AS node, COUNT(*) AS held FROM rookery_tasks WHERE state = 'running' GROUP BY node_id",
    { type: QueryTypes.SELECT },
  );
  return new Map(rows.flatMap((r) => (r.node === null ? [] : [[r.node, Number(r.held)]])));
}
