import type { Command } from 'commander';
import { pruneOnce, resolveRetention } from '@rookery/core';
import { writeLine, type CliIo } from '../context.js';
import { addDbOption, dbUrlOf, withDatastore } from '../options/db.js';
import { parseRetention } from '../options/retention.js';

/** Options of `rookery prune`, as commander hands them over. */
interface PruneOptions {
  olderThan: string;
  nodesOlderThan: string;
  json?: boolean;
}

/**
 * Registers `rookery prune`: one retention pass now (the nodes also run one every
 * `--prune-every`): finished tasks older than `--older-than` with their events and logs, and
 * the records of nodes gone for longer than `--nodes-older-than`.
 */
export function registerPruneCommand(program: Command, io: CliIo): void {
  addDbOption(
    program
      .command('prune')
      .description(
        'delete finished tasks (with their events and logs), done jobs (with their ledgers) and node records older than the given ages, now',
      )
      .option(
        '--older-than <duration>',
        "finished tasks that ended, and done jobs that ended, longer ago than this, or 'off'",
        '30d',
      )
      .option('--nodes-older-than <duration>', "node records gone longer ago than this, or 'off'", '7d')
      .option('--json', 'print {"tasks":N,"nodes":N,"schedules":N}'),
  ).action(async (opts: PruneOptions, cmd: Command) => {
    const retention = resolveRetention({
      historyMs: parseRetention('older-than', opts.olderThan),
      nodesMs: parseRetention('nodes-older-than', opts.nodesOlderThan),
      // Deleting only: failing tasks nobody can run is the running nodes' duty.
      unresolvedAfterMs: null,
    });
    const pruned = await withDatastore(dbUrlOf(cmd, io.env), (store) => pruneOnce(store, retention, 'rookery-prune'));
    if (opts.json)
      writeLine(io.stdout, JSON.stringify({ tasks: pruned.tasks, nodes: pruned.nodes, schedules: pruned.schedules }));
    else
      writeLine(
        io.stdout,
        `deleted ${pruned.tasks} finished task(s) with their events and logs, ${pruned.schedules} done job(s) with their ledgers, and ${pruned.nodes} node record(s)`,
      );
  });
}
