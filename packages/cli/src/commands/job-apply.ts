import type { Command } from 'commander';
import type { SyncedSchedule } from '@rookery/core';
import { addDbOption, dbUrlOf } from '../options/db.js';
import { withOperatorClient } from '../options/operator-client.js';
import { checkEachPayload, inFileTerms, readScheduleFile } from '../options/schedule-file.js';
import { writeLine, type CliIo } from '../context.js';
import { scheduleJson, writeJson } from '../output/json.js';
import { writeTable, type Column } from '../output/table.js';
import { checkBuiltInPayload } from './built-in-executors.js';

/** Options of `rookery job apply`, as commander hands them over. */
interface ApplyOptions {
  dryRun?: boolean;
  prune?: boolean;
  force?: boolean;
  json?: boolean;
}

const APPLY_COLUMNS: Column<SyncedSchedule>[] = [
  { header: 'name', cell: (s) => s.name },
  { header: 'outcome', cell: (s) => s.outcome },
  { header: 'state', cell: (s) => s.schedule.state },
];

/**
 * Registers `rookery job apply FILE [--dry-run] [--prune] [--force] [--json]`: brings the
 * jobs in line with a JSON or YAML file of schedules (`RookeryClient.syncSchedules`) and prints
 * what became of each, by name: created, updated, unchanged, deleted. Every schedule of the
 * file is checked first; a bad one is refused naming the file and the field, and nothing is
 * written. Applying a file twice writes nothing the second time.
 */
export function registerJobApplyCommand(job: Command, io: CliIo): void {
  addDbOption(
    job
      .command('apply')
      .argument('<file>', 'a JSON (.json) or YAML file: { schedules: [ { name, executor, trigger, ... } ] }')
      .description(
        'create, update or leave alone the jobs of a file, by name (and with --prune delete the jobs it does not list)',
      )
      .option('--dry-run', 'write nothing: print what applying would do')
      .option('--prune', 'delete every job the file does not list, with its ledger')
      .option('--force', 'accept executors no registered node offers yet')
      .option('--json', 'print a JSON array of { name, outcome, schedule }'),
  ).action(async (path: string, opts: ApplyOptions, cmd: Command) => {
    const file = readScheduleFile(path);
    checkEachPayload(file, checkBuiltInPayload);
    await withOperatorClient(dbUrlOf(cmd, io.env), io, async (client) => {
      let synced: SyncedSchedule[];
      try {
        synced = await client.syncSchedules(file.schedules, {
          prune: opts.prune === true,
          force: opts.force === true,
          dryRun: opts.dryRun === true,
        });
      } catch (error) {
        throw inFileTerms(file, error);
      }
      if (opts.json)
        return writeJson(
          io.stdout,
          synced.map((s) => ({ name: s.name, outcome: s.outcome, schedule: scheduleJson(s.schedule) })),
        );
      writeTable(io.stdout, APPLY_COLUMNS, synced);
      if (opts.dryRun) writeLine(io.stdout, 'dry run: nothing written');
    });
  });
}
