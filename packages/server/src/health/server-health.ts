import type { Datastore } from '@rookery/core';
import { databaseChecks, type Health } from './health.js';

/** Options of {@link createServerHealth}. */
export interface ServerHealthOptions {
  /** The datastore the server reads. */
  datastore: Pick<Datastore, 'clockNow'>;
  /** Checks the schema is the one this code expects; null when it is (see `HealthOptions.schemaProblem`). */
  schemaProblem?: () => Promise<string | null>;
  /** Readiness fails when the database has not answered within this. @defaultValue 2 000 ms */
  databaseTimeoutMs?: number;
}

/**
 * The probes of an API server (`rookery serve`), which runs no node: alive while it answers;
 * ready when the database answers within the timeout and the schema is current.
 */
export function createServerHealth(options: ServerHealthOptions): Health {
  const timeoutMs = options.databaseTimeoutMs ?? 2_000;
  return {
    liveness: () => ({ ok: true, checks: [{ name: 'server', ok: true, detail: 'the API server answers' }] }),
    async readiness() {
      const checks = await databaseChecks(options.datastore, options.schemaProblem, timeoutMs);
      return { ok: checks.every((c) => c.ok), checks };
    },
  };
}
