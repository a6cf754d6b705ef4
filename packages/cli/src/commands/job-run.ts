import type { Command } from 'commander';
import { addDbOption, dbUrlOf } from '../options/db.js';
import { withOperatorClient } from '../options/operator-client.js';
import { parsePayload } from '../options/parse-job-options.js';
import { writeLine, type CliIo } from '../context.js';
import { taskJson, writeJson } from '../output/json.js';
import { showInstant } from '../output/table.js';
import { checkBuiltInPayload } from './built-in-executors.js';

/**
 * Registers `rookery job run NAME [--payload JSON] [--json]`: an extra occurrence of the job
 * now, recorded in its ledger as manual (see `RookeryClient.runSchedule`); prints the task.
 */
export function registerJobRunCommand(job: Command, io: CliIo): void {
  addDbOption(
    job
      .command('run')
      .argument('<name>', 'name or id')
      .description(
        "run a job once now, beside its trigger (also when paused): a task recorded in its ledger as 'manual'",
      )
      .option('--payload <json>', "JSON payload of this run only (default: the job's)")
      .option('--json', 'print the task as JSON'),
  ).action(async (name: string, opts: { payload?: string; json?: boolean }, cmd: Command) => {
    const payload = parsePayload(opts.payload);
    await withOperatorClient(dbUrlOf(cmd, io.env), io, async (client) => {
      if (payload !== undefined) checkBuiltInPayload((await client.getSchedule(name)).executor, payload);
      const task = await client.runSchedule(name, payload !== undefined ? { payload } : {});
      if (opts.json) writeJson(io.stdout, taskJson(task));
      else
        writeLine(
          io.stdout,
          `started ${task.id} (${task.executor}), manual run of ${name}, due ${showInstant(task.dueAt) ?? '-'}`,
        );
    });
  });
}
