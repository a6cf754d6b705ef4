import type mysql from 'mysql2';
import type pg from 'pg';

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

/** The `pg` module for Sequelize's `dialectModule`, creating clients that listen for `error` from birth. */
export function guardPg(driver: typeof pg): typeof pg {
  class GuardedPgClient extends driver.Client {
    /** @param config - as for `pg.Client` */
    constructor(config?: string | pg.ClientConfig) {
      super(config);
      this.on('error', () => {
        (this as unknown as { _invalid: boolean })._invalid = true;
      });
    }
  }
  return { ...driver, Client: GuardedPgClient };
}

/** The `mysql2` module for Sequelize's `dialectModule`, with an early `error` listener on each connection. */
export function guardMysql(driver: typeof mysql): typeof mysql {
  return {
    ...driver,
    createConnection(config: string | mysql.ConnectionOptions): mysql.Connection {
      const connection = typeof config === 'string' ? driver.createConnection(config) : driver.createConnection(config);
      // mysql2 records a fatal error on the connection itself; Sequelize's validation then drops it.
      connection.on('error', () => undefined);
      return connection;
    },
  };
}
