import { createBenchDatabase, type BenchDatabase } from '../databases.js';
import { serverProcessNames, transactionCounter } from '../db-counters.js';
import type { PeerServer } from './peer.js';

/** A fresh PostgreSQL database for a peer's run, and its server's cost counters. */
export async function freshPostgres(adminUrl: string): Promise<{ db: BenchDatabase; server: PeerServer }> {
  const db = await createBenchDatabase(adminUrl);
  if (db.dialect !== 'postgres') throw new Error(`the PostgreSQL peers need a postgres:// URL, got '${adminUrl}'`);
  const counter = transactionCounter(db);
  if (!counter) throw new Error('PostgreSQL has a transaction counter');
  return {
    db,
    server: {
      counterSource: counter.source,
      readCounter: async () => (await counter.read())[counter.main] ?? Number.NaN,
      processNames: serverProcessNames(db),
    },
  };
}
