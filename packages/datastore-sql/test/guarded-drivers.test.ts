import mysql from 'mysql2';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { guardMysql, guardPg } from '../src/dialect/guarded-drivers.js';

const guardedPg = guardPg(pg);
const guardedMysql = guardMysql(mysql);

// Sequelize attaches its `error` listener a microtask after the handshake; an error emitted in
// between (a session killed right after connecting) used to be an uncaught exception that
// killed the node. Every connection now has a listener from the moment it exists.
describe('driver connections carry an error listener from birth', () => {
  it('pg: an error emitted before Sequelize listens marks the client invalid instead of throwing', () => {
    const client = new guardedPg.Client({ host: '127.0.0.1', port: 1 });
    expect(client.listenerCount('error')).toBe(1);
    expect(() => client.emit('error', new Error('terminating connection due to administrator command'))).not.toThrow();
    expect((client as unknown as { _invalid?: boolean })._invalid).toBe(true);
  });

  it('mysql2: a connection that fails at once does not throw from an unheard error event', async () => {
    const connection = guardedMysql.createConnection({ host: '127.0.0.1', port: 1, connectTimeout: 1_000 });
    expect(connection.listenerCount('error')).toBeGreaterThanOrEqual(1);
    const failed = new Promise<Error>((resolve) => connection.once('error', resolve));
    expect((await failed).message).toMatch(/ECONNREFUSED|connect/i);
  });
});
