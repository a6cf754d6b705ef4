import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { isTerminalTaskState, RookeryClient, type TaskLogLine } from '@rookery/core';
import type { SqlDatastore } from '@rookery/datastore-sql';
import { writeLine, type CliIo } from '../context.js';
import { addDbOption, dbUrlOf, withDatastore } from '../options/db.js';
import { parseDuration } from '../options/duration.js';
import { showInstant } from '../output/table.js';
import { terminalSafe } from '../output/terminal-text.js';

/** Lines read per statement. */
const PAGE = 1_000;

/** Options of `rookery task logs`, as commander hands them over. */
interface TaskLogsOptions {
  follow?: boolean;
  poll: string;
  json?: boolean;
}

/** Reads every line of a task's log after `afterSeq`, page by page. */
async function readAfter(store: SqlDatastore, taskId: string, afterSeq: number): Promise<TaskLogLine[]> {
  const all: TaskLogLine[] = [];
  for (let after = afterSeq; ;) {
    const page = await store.taskLogRead({ taskId, afterSeq: after, limit: PAGE });
    all.push(...page);
    const last = page.at(-1);
    if (page.length < PAGE || last === undefined) return all;
    after = last.seq;
  }
}

/**
 * Registers `rookery task logs ID [--follow]`: prints a task's stored log, every attempt's lines
 * in order; with `--follow`, keeps printing new lines until the task reaches a terminal state.
 *
 * @param task - the `task` command
 * @param io - where to write
 */
export function registerTaskLogsCommand(task: Command, io: CliIo): void {
  addDbOption(
    task
      .command('logs')
      .argument('<id>', 'task id')
      .description("print a task's stored log (ctx.log lines, a process's output)")
      .option('-f, --follow', 'keep printing new lines until the task has ended')
      .option('--poll <duration>', 'with --follow, how often to look for new lines', '1s')
      .option('--json', 'one JSON object { seq, at, line } per line'),
  ).action(async (id: string, opts: TaskLogsOptions, cmd: Command) => {
    const pollMs = parseDuration('poll', opts.poll);
    await withDatastore(dbUrlOf(cmd, io.env), async (store) => {
      const client = new RookeryClient({ datastore: store });
      let after = 0;
      for (;;) {
        // The state is read before the lines: a node stores an attempt's lines before it
        // commits the outcome, so once the task is seen ended, this read gets every line.
        const { state } = await client.getTask(id);
        for (const l of await readAfter(store, id, after)) {
          if (opts.json)
            writeLine(io.stdout, JSON.stringify({ seq: l.seq, at: new Date(l.at).toISOString(), line: l.line }));
          else writeLine(io.stdout, `${showInstant(l.at)}  ${terminalSafe(l.line)}`);
          after = l.seq;
        }
        if (!opts.follow || isTerminalTaskState(state)) return;
        await sleep(pollMs);
      }
    });
  });
}
