import type { Command } from 'commander';
import { RookeryClient, type NodeRecord, type UnofferedBacklog } from '@rookery/core';
import { writeLine, type CliIo } from '../context.js';
import { addDbOption, dbUrlOf, withDatastore } from '../options/db.js';
import { nodeJson, writeJson } from '../output/json.js';
import { showInstant, writeTable, type Column } from '../output/table.js';

/** A node that has not heartbeated for this long is shown as `silent` (probably dead). */
export const SILENT_AFTER_MS = 30_000;

/** A node's status as the CLI shows it: `stopped` (gracefully), `running`, or `silent` (no recent heartbeat). */
export type NodeStatus = 'running' | 'stopped' | 'silent';

/** The status of a node at `now` (database clock). */
export function nodeStatus(n: NodeRecord, now: number): NodeStatus {
  if (n.stoppedAt !== null) return 'stopped';
  return now - n.heartbeatAt > SILENT_AFTER_MS ? 'silent' : 'running';
}

/** Columns of the work no running node offers. */
export const UNOFFERED_COLUMNS: Column<UnofferedBacklog>[] = [
  { header: 'executor', cell: (b) => b.executor },
  { header: 'pending', cell: (b) => b.pending },
  { header: 'oldest due', cell: (b) => showInstant(b.oldestDueAt) },
];

/**
 * Registers `rookery nodes`: the nodes that registered with the database, then the executors
 * whose pending tasks no running node offers (nobody can run them).
 */
export function registerNodesCommand(program: Command, io: CliIo): void {
  addDbOption(program.command('nodes').description('list registered nodes, running ones first').option('--json', 'print a JSON array')).action(
    async (opts: { json?: boolean }, cmd: Command) =>
      withDatastore(dbUrlOf(cmd, io.env), async (datastore) => {
        const client = new RookeryClient({ datastore });
        const nodes = await client.listNodes();
        const unoffered = await client.listUnofferedWork(SILENT_AFTER_MS);
        const now = await datastore.clockNow();
        const columns: Column<NodeRecord>[] = [
          { header: 'id', cell: (n) => n.id },
          { header: 'status', cell: (n) => nodeStatus(n, now) },
          { header: 'host', cell: (n) => n.host },
          { header: 'pid', cell: (n) => n.pid },
          { header: 'executors', cell: (n) => n.executors.join(',') },
          { header: 'started', cell: (n) => showInstant(n.startedAt) },
          { header: 'heartbeat', cell: (n) => showInstant(n.heartbeatAt) },
          { header: 'offset ms', cell: (n) => n.clockOffsetMs },
        ];
        if (opts.json) {
          writeJson(io.stdout, nodes.map((n) => ({ ...nodeJson(n), status: nodeStatus(n, now) })));
          return;
        }
        writeTable(io.stdout, columns, nodes);
        if (unoffered.length === 0) return;
        writeLine(io.stdout, '');
        writeLine(io.stdout, 'pending work no running node offers (nobody can run it):');
        writeTable(io.stdout, UNOFFERED_COLUMNS, unoffered);
      }),
  );
}
