import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkHistory,
  RookeryClient,
  type HistoryInput,
  type HistoryReport,
  type RunRecord,
  type TaskEvent,
} from '@rookery/core';
import { createSqlDatastore, type SqlDatastore } from '@rookery/datastore-sql';
import type { TestDialect } from '../../packages/datastore-sql/test/helpers/test-databases.js';
import { RECORDING_FUNCTIONS, readHistory, startNode, waitUntil, type ClusterNode } from './cluster.js';

/** A cluster of `rookery node` processes on a fresh database, running the recording executor. */
export interface RecordedCluster {
  /** The cluster's database URL (for a `rookery` command run by the test). */
  url: string;
  /** The history file the recording executor appends to. */
  historyFile: string;
  /** The datastore, for the test's own reads and writes. */
  store: SqlDatastore;
  /** A client on it. */
  client: RookeryClient;
  /** The node processes, in the order of their ids. */
  nodes: ClusterNode[];
  /** Attempts `nodeId` has started and not ended (by its own records). */
  open(nodeId: string): RunRecord[];
  /**
   * Runs the history checker over what the nodes recorded and what the database holds; returns
   * the report with the records and events it read.
   */
  check(
    input: Omit<HistoryInput, 'records' | 'tasks' | 'events'>,
  ): Promise<{ report: HistoryReport; records: RunRecord[]; events: TaskEvent[] }>;
  /** Kills what is left (resuming paused nodes first), closes the store, drops the database. */
  dispose(): Promise<void>;
}

/**
 * Starts `ids.length` nodes on a fresh database of `dialect` and waits until they have
 * registered. `args` go to every node's command line after the standard ones.
 */
export async function startRecordedCluster(
  dialect: TestDialect,
  options: { ids: string[]; leaseMs: number; concurrency: number; args?: string[] },
): Promise<RecordedCluster> {
  const db = await dialect.create();
  const dir = await mkdtemp(join(tmpdir(), 'rookery-cluster-'));
  const history = join(dir, 'history.jsonl');
  const store = await createSqlDatastore({ url: db.url });
  const settings = {
    db: db.url,
    ids: options.ids,
    executors: [RECORDING_FUNCTIONS],
    history,
    leaseMs: options.leaseMs,
    concurrency: options.concurrency,
  };
  const nodes = options.ids.map((id) => startNode(settings, id, options.args ?? []));
  const cluster: RecordedCluster = {
    url: db.url,
    historyFile: history,
    store,
    client: new RookeryClient({ datastore: store }),
    nodes,
    open(nodeId) {
      const records = readHistory(history);
      const ended = new Set(records.filter((r) => r.kind === 'end').map((r) => `${r.taskId}/${r.fence}`));
      return records.filter((r) => r.kind === 'start' && r.nodeId === nodeId && !ended.has(`${r.taskId}/${r.fence}`));
    },
    async check(input) {
      const tasks = await store.taskList({ limit: 100_000 });
      const events: TaskEvent[] = [];
      for (const t of tasks) events.push(...(await store.taskEvents(t.id)));
      const records = readHistory(history);
      return { report: checkHistory({ ...input, records, tasks, events }), records, events };
    },
    async dispose() {
      for (const n of nodes) {
        n.child.kill('SIGCONT');
        n.child.kill('SIGKILL');
      }
      await store.close();
      await rm(dir, { recursive: true, force: true });
      await db.drop();
    },
  };
  try {
    await waitUntil(
      async () => (await store.nodeList()).length === options.ids.length,
      20_000,
      `${options.ids.length} nodes to register`,
    );
  } catch (error) {
    await cluster.dispose();
    throw error;
  }
  return cluster;
}
