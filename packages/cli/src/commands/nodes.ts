import type { Command } from 'commander';
import { RookeryClient, type NodeRecord, type UnofferedBacklog } from '@rookery/core';
import { writeLine, type CliIo } from '../context.js';
import { addDbOption, dbUrlOf, withDatastore } from '../options/db.js';
import { parseDuration } from '../options/duration.js';
import { nodeJson, writeJson } from '../output/json.js';
import { showInstant, writeTable, type Column } from '../output/table.js';

/** A node that has not heartbeated for this long is shown as `silent` (probably dead). */
export const SILENT_AFTER_MS = 30_000;

/** A node's status as the CLI shows it: `stopped` (gracefully), `running`, or `silent` (no recent heartbeat). */
export type NodeStatus = 'running' | 'stopped' | 'silent';

/** The status of a node at `now` (database clock): silent when its last heartbeat is older than `silentAfterMs`. */
export function nodeStatus(n: NodeRecord, now: number, silentAfterMs: number = SILENT_AFTER_MS): NodeStatus {
  if (n.stoppedAt !== null) return 'stopped';
  return now - n.heartbeatAt > silentAfterMs ? 'silent' : 'running';
}

/** `rookery nodes --check` found problems (exit code 1); the message lists them. */
export class NodesCheckError extends Error {
  /** One line per problem. */
  readonly problems: readonly string[];

  /** @param problems - what is wrong, one line each */
  constructor(problems: readonly string[]) {
    super(`nodes --check: ${problems.join('; ')}`);
    this.name = 'NodesCheckError';
    this.problems = problems;
  }
}

/** Thresholds of `rookery nodes --check`. */
export interface NodesCheckThresholds {
  /** A node not stopped whose last heartbeat is older than this is a problem. */
  silentAfterMs: number;
  /** A node not stopped whose clock is further than this from the database clock is a problem. */
  maxOffsetMs: number;
}

/** What `rookery nodes --check` finds wrong: one line per silent node or node with its clock off; empty when all is well. */
export function nodeProblems(nodes: readonly NodeRecord[], now: number, thresholds: NodesCheckThresholds): string[] {
  const problems: string[] = [];
  for (const n of nodes) {
    if (n.stoppedAt !== null) continue;
    if (nodeStatus(n, now, thresholds.silentAfterMs) === 'silent')
      problems.push(`node ${n.id} is silent: last heartbeat ${Math.round((now - n.heartbeatAt) / 1000)} s ago`);
    else if (Math.abs(n.clockOffsetMs) > thresholds.maxOffsetMs)
      problems.push(
        `node ${n.id}'s clock is ${n.clockOffsetMs} ms off the database clock (limit ±${thresholds.maxOffsetMs} ms)`,
      );
  }
  return problems;
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
  addDbOption(
    program
      .command('nodes')
      .description('list registered nodes, running ones first')
      .option('--json', 'print a JSON array')
      .option(
        '--check',
        'exit 1 when a node that did not stop is silent or its clock is off (for cron-style monitoring)',
      )
      .option('--silent-after <duration>', 'a node whose last heartbeat is older than this is silent', '30s')
      .option(
        '--max-offset <duration>',
        "--check: a node's clock further than this from the database clock is off",
        '10s',
      ),
  ).action(async (opts: { json?: boolean; check?: boolean; silentAfter: string; maxOffset: string }, cmd: Command) => {
    const thresholds = {
      silentAfterMs: parseDuration('silent-after', opts.silentAfter),
      maxOffsetMs: parseDuration('max-offset', opts.maxOffset),
    };
    await withDatastore(dbUrlOf(cmd, io.env), async (datastore) => {
      const client = new RookeryClient({ datastore });
      const nodes = await client.listNodes();
      const unoffered = await client.listUnofferedWork(thresholds.silentAfterMs);
      const now = await datastore.clockNow();
      const status = (n: NodeRecord): NodeStatus => nodeStatus(n, now, thresholds.silentAfterMs);
      const columns: Column<NodeRecord>[] = [
        { header: 'id', cell: (n) => n.id },
        { header: 'status', cell: status },
        { header: 'host', cell: (n) => n.host },
        { header: 'pid', cell: (n) => n.pid },
        { header: 'executors', cell: (n) => n.executors.join(',') },
        { header: 'started', cell: (n) => showInstant(n.startedAt) },
        { header: 'heartbeat', cell: (n) => showInstant(n.heartbeatAt) },
        { header: 'offset ms', cell: (n) => n.clockOffsetMs },
      ];
      if (opts.json) {
        writeJson(
          io.stdout,
          nodes.map((n) => ({ ...nodeJson(n), status: status(n) })),
        );
      } else {
        writeTable(io.stdout, columns, nodes);
        if (unoffered.length > 0) {
          writeLine(io.stdout, '');
          writeLine(io.stdout, 'pending work no running node offers (nobody can run it):');
          writeTable(io.stdout, UNOFFERED_COLUMNS, unoffered);
        }
      }
      if (!opts.check) return;
      const problems = nodeProblems(nodes, now, thresholds);
      if (problems.length > 0) throw new NodesCheckError(problems);
    });
  });
}
