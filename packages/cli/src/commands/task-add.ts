import type { Command } from 'commander';
import { RookeryClient, ValidationError, type JobInput } from '@rookery/core';
import { pgWakeSignals } from '@rookery/messaging';
import { writeLine, type CliIo } from '../context.js';
import { addDbOption, dbUrlOf, withDatastore } from '../options/db.js';
import { parseDuration, parseInteger } from '../options/duration.js';
import { parseKeyScope } from '../options/key-scope.js';
import { parsePayload, parseRetry } from '../options/parse-job-options.js';
import { resolveWakeSignals } from '../options/wake-signals.js';
import { taskJson, writeJson } from '../output/json.js';
import { showInstant } from '../output/table.js';
import { BUILT_IN_EXECUTORS, checkBuiltInPayload } from './built-in-executors.js';

/** The options of `rookery task add`, as commander hands them over (all strings). */
export interface TaskAddOptions {
  /** Executor name. */
  exec: string;
  /** JSON payload. */
  payload?: string;
  /** Run at this ISO-8601 instant. */
  at?: string;
  /** Run this long from now (database clock). */
  in?: string;
  /** Dedupe key. */
  key?: string;
  /** How long the key answers for its task: `live`, `ever` or a period (duration). */
  keyScope?: string;
  /** Priority among tasks due at once. */
  priority?: string;
  /** Retries after the first attempt. */
  retries?: string;
  /** `fixed:DURATION` or `exponential:DURATION`. */
  backoff?: string;
  /** Attempt timeout. */
  timeout?: string;
  /** Accept an executor no registered node offers yet. */
  force?: boolean;
  /** Print JSON. */
  json?: boolean;
}

/**
 * Turns the options of `rookery task add` into a job input, with `now` (the database clock) as
 * the base of `--in`. Checks what the command line owns (one of `--at`/`--in`, durations, JSON,
 * numbers, `--key-scope` and its `--key`); the rest is validated by `RookeryClient.enqueue`, before anything is written.
 *
 * @throws ValidationError naming the option
 */
export function parseTaskAddOptions(o: TaskAddOptions, now: number): JobInput {
  if (o.at !== undefined && o.in !== undefined) throw new ValidationError('in', 'give --at or --in, not both');
  const keyScope = o.keyScope === undefined ? undefined : parseKeyScope(o.keyScope);
  if (keyScope !== undefined && o.key === undefined) throw new ValidationError('key-scope', 'needs --key');
  const payload = parsePayload(o.payload);
  const policies: NonNullable<JobInput['policies']> = {};
  const retry = parseRetry(o);
  if (retry) policies.retry = retry;
  if (o.timeout !== undefined) policies.timeoutMs = parseDuration('timeout', o.timeout);
  return {
    executor: o.exec,
    ...(payload !== undefined ? { payload } : {}),
    ...(o.at !== undefined ? { runAt: o.at } : {}),
    ...(o.in !== undefined ? { runAt: now + parseDuration('in', o.in) } : {}),
    ...(o.key !== undefined ? { key: o.key } : {}),
    ...(keyScope !== undefined ? { keyScope } : {}),
    ...(o.priority !== undefined ? { priority: parseInteger('priority', o.priority, -1000, 1000) } : {}),
    ...(Object.keys(policies).length ? { policies } : {}),
  };
}

/** Registers `rookery task add` under `task`. */
export function registerTaskAddCommand(task: Command, io: CliIo): void {
  addDbOption(
    task
      .command('add')
      .description('enqueue a job: one task with no schedule, run once (retried by its policy)')
      .requiredOption('--exec <executor>', 'executor that runs it')
      .option('--payload <json>', 'JSON payload handed to the executor')
      .option('--at <instant>', 'run at an ISO-8601 instant (default now)')
      .option('--in <duration>', 'run this long from now: 500ms, 10s, 5m, 1h, 1d')
      .option(
        '--key <key>',
        'dedupe key: while a task with this key is pending or running (or as --key-scope says), print it and add nothing',
      )
      .option(
        '--key-scope <scope>',
        'how long --key answers for its task: live (while pending or running, the default), ever (while stored), or a period such as 1h or 1d (once per period)',
      )
      .option('--priority <n>', 'higher runs first among tasks due at once (-1000 to 1000)')
      .option('--retries <n>', 'retries after the first attempt')
      .option('--backoff <kind:duration>', 'fixed:DURATION or exponential:DURATION (default fixed:1s)')
      .option('--timeout <duration>', 'abort an attempt that runs longer')
      .option('--force', 'accept an executor no registered node offers yet')
      .option('--json', 'print the task as JSON, with "created"'),
  ).action(async (opts: TaskAddOptions, cmd: Command) => {
    const url = dbUrlOf(cmd, io.env);
    await withDatastore(url, async (datastore) => {
      const input = parseTaskAddOptions(opts, await datastore.clockNow());
      checkBuiltInPayload(input.executor, input.payload ?? null);
      const wakeSignals =
        resolveWakeSignals('auto', url) === 'pg'
          ? pgWakeSignals({
              url,
              onError: (error) =>
                writeLine(
                  io.stderr,
                  `rookery: wake signal not sent (the nodes will find the task at their next poll): ${error instanceof Error ? error.message : String(error)}`,
                ),
            })
          : null;
      try {
        const client = new RookeryClient({
          datastore,
          builtInExecutors: [...BUILT_IN_EXECUTORS],
          ...(wakeSignals ? { wakeSignals } : {}),
        });
        const { task, created } = await client.enqueue(input, { force: opts.force === true });
        if (opts.json) writeJson(io.stdout, { ...taskJson(task), created });
        else if (created)
          writeLine(io.stdout, `enqueued ${task.id} (${task.executor}), due ${showInstant(task.dueAt) ?? '-'}`);
        else
          writeLine(
            io.stdout,
            `exists ${task.id} (${task.executor}, key ${task.key ?? '-'}, ${task.state}): nothing added`,
          );
      } finally {
        await wakeSignals?.close();
      }
    });
  });
}
