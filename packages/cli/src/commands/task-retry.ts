import type { Command } from 'commander';
import { addDbOption, dbUrlOf } from '../options/db.js';
import { withOperatorClient } from '../options/operator-client.js';
import { writeLine, type CliIo } from '../context.js';
import { taskJson, writeJson } from '../output/json.js';
import { showInstant } from '../output/table.js';

/**
 * Registers `rookery task retry ID [--json]`: a failed, cancelled, missed or abandoned task
 * gets a new attempt (see `RookeryClient.retryTask`); prints the task.
 */
export function registerTaskRetryCommand(task: Command, io: CliIo): void {
  addDbOption(
    task
      .command('retry')
      .argument('<id>', 'task id')
      .description('give a failed, cancelled, missed or abandoned task a new attempt, now')
      .option('--json', 'print the task as JSON'),
  ).action(async (id: string, opts: { json?: boolean }, cmd: Command) =>
    withOperatorClient(dbUrlOf(cmd, io.env), io, async (client) => {
      const t = await client.retryTask(id);
      if (opts.json) writeJson(io.stdout, taskJson(t));
      else
        writeLine(
          io.stdout,
          `retried ${t.id} (${t.executor}): pending, attempt ${t.attempt + 1} due ${showInstant(t.dueAt) ?? '-'}`,
        );
    }),
  );
}
