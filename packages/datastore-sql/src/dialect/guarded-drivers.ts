import mysql from 'mysql2';
import pg from 'pg';

/**
 * The PostgreSQL and MySQL drivers, with an `error` listener on every connection from the
 * moment it is created.
 *
 * Sequelize adds its own listener only after the connect handshake has resolved, a microtask
 * later. When the server ends a session right after the handshake (`pg_terminate_backend`,
 * `KILL`, a restart), both messages can arrive in one network read, the driver emits `error`
 * in between, and with no listener Node turns it into an uncaught exception that kills the
 * whole node. The early listener keeps the process alive; the connection is not lost silently:
 * it is marked unusable (pg: Sequelize's own `_invalid` flag; mysql2 marks a fatal error
 * itself), so the pool discards it at its next validation and opens a fresh one.
 */
class GuardedPgClient extends pg.Client {
  /** @param config - as for `pg.Client` */
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => {
      (this as unknown as { _invalid: boolean })._invalid = true;
    });
  }
}

/** The `pg` module for Sequelize's `dialectModule`, creating {@link GuardedPgClient}s. */
export const guardedPg = { ...pg, Client: GuardedPgClient };

/** The `mysql2` module for Sequelize's `dialectModule`, with an early `error` listener. */
export const guardedMysql: typeof mysql = {
  ...mysql,
  createConnection(config: string | mysql.ConnectionOptions): mysql.Connection {
    const connection = typeof config === 'string' ? mysql.createConnection(config) : mysql.createConnection(config);
    // mysql2 records a fatal error on the connection itself; Sequelize's validation then drops it.
    connection.on('error', () => undefined);
    return connection;
  },
};
