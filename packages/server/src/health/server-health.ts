import type { Datastore } from '@rookery/core';
import { within, type Health, type HealthCheck } from './health.js';

/** Options of {@link createServerHealth}. */
export interface ServerHealthOptions {
  /** The datastore the server reads. */
  datastore: Pick<Datastore, 'clockNow'>;
  /** Checks the schema is the one this code expects; null when it is (see `HealthOptions.schemaProblem`). */
  schemaProblem?: () => Promise<string | null>;
  /** Readiness fails when the database has not answered within this. @defaultValue 2 000 ms */
  databaseTimeoutMs?: number;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
      const checks: HealthCheck[] = [];
      try {
        await within(options.datastore.clockNow(), timeoutMs, 'the database');
        checks.push({ name: 'database', ok: true, detail: 'the database answers' });
      } catch (error) {
        checks.push({ name: 'database', ok: false, detail: message(error) });
      }
      if (options.schemaProblem) {
        try {
          const problem = await within(options.schemaProblem(), timeoutMs, 'the schema check');
          checks.push({ name: 'schema', ok: problem === null, detail: problem ?? 'the schema is current' });
        } catch (error) {
          checks.push({ name: 'schema', ok: false, detail: message(error) });
        }
      }
      return { ok: checks.every((c) => c.ok), checks };
    },
  };
}
