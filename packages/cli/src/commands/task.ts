import type { Command } from 'commander';
import { RookeryClient, ValidationError, type Task, type TaskEvent, type TaskState } from '@rookery/core';
import { writeLine, type CliIo } from '../context.js';
import { addDbOption, dbUrlOf, withDatastore } from '../options/db.js';
import { parseInteger } from '../options/duration.js';
import { taskEventJson, taskJson, writeJson } from '../output/json.js';
import { showInstant, writeFields, writeTable, type Column } from '../output/table.js';
import { registerTaskAddCommand } from './task-add.js';
import { registerTaskLogsCommand } from './task-logs.js';
import { registerTaskReportCommand } from './task-report.js';
import { registerTaskRetryCommand } from './task-retry.js';

const STATES: readonly TaskState[] = [
  'pending',
  'running',
  'completed',
  'failed',
  'skipped',
  'missed',
  'coalesced',
  'cancelled',
  'abandoned',
];

/** What the `job` column shows for a task enqueued with no schedule. */
const UNSCHEDULED = '(enqueued)';

const columns = (names: ReadonlyMap<string, string>): Column<Task>[] => [
  { header: 'id', cell: (t) => t.id },
  { header: 'job', cell: (t) => (t.scheduleId === null ? UNSCHEDULED : (names.get(t.scheduleId) ?? t.scheduleId)) },
  { header: 'fire at', cell: (t) => showInstant(t.fireAt) },
  { header: 'state', cell: (t) => t.state },
  { header: 'attempt', cell: (t) => t.attempt },
  { header: 'node', cell: (t) => t.nodeId },
  { header: 'started', cell: (t) => showInstant(t.startedAt) },
  { header: 'ended', cell: (t) => showInstant(t.endedAt) },
];

const EVENT_COLUMNS: Column<TaskEvent>[] = [
  { header: 'at', cell: (e) => showInstant(e.at) },
  { header: 'from', cell: (e) => e.from },
  { header: 'to', cell: (e) => e.to },
  { header: 'node', cell: (e) => e.nodeId },
  { header: 'fence', cell: (e) => e.fence },
  { header: 'reason', cell: (e) => e.reason },
];

/**
 * Parses `--state` values: states separated by commas, the option repeatable.
 *
 * @throws ValidationError on `state` for a name that is not a task state
 */
export function parseStates(values: readonly string[]): TaskState[] {
  const states = values
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of states) {
    if (!STATES.includes(s as TaskState))
      throw new ValidationError('state', `unknown task state '${s}'; one of ${STATES.join(', ')}`);
  }
  return states as TaskState[];
}

/** Registers `rookery task add|ls|show|cancel|retry|logs|report`. */
export function registerTaskCommands(program: Command, io: CliIo): void {
  const task = program
    .command('task')
    .description('enqueue and inspect tasks: the occurrence ledger of every job, and jobs run once');
  const run = async (cmd: Command, fn: (client: RookeryClient) => Promise<void>): Promise<void> =>
    withDatastore(dbUrlOf(cmd, io.env), (datastore) => fn(new RookeryClient({ datastore })));

  addDbOption(
    task
      .command('ls')
      .description('list tasks, newest fire time first')
      .option('--job <name>', 'only tasks of this job (name or id)')
      .option(
        '--state <states>',
        `only these states, comma separated (${STATES.join(', ')})`,
        (v: string, prev: string[] = []) => [...prev, v],
      )
      .option('--limit <n>', 'at most this many', '50')
      .option('--json', 'print a JSON array'),
  ).action(async (opts: { job?: string; state?: string[]; limit: string; json?: boolean }, cmd: Command) => {
    const states = opts.state ? parseStates(opts.state) : undefined;
    const limit = parseInteger('limit', opts.limit, 1, 100_000);
    await run(cmd, async (client) => {
      const tasks = await client.listTasks({
        ...(opts.job !== undefined ? { schedule: opts.job } : {}),
        ...(states ? { states } : {}),
        limit,
      });
      if (opts.json) writeJson(io.stdout, tasks.map(taskJson));
      else {
        // Names of just the jobs on screen: one lookup per distinct job, never the whole table.
        const ids = [...new Set(tasks.flatMap((t) => (t.scheduleId === null ? [] : [t.scheduleId])))];
        const names = new Map(
          await Promise.all(ids.map(async (id) => [id, (await client.getSchedule(id)).name] as const)),
        );
        writeTable(io.stdout, columns(names), tasks);
      }
    });
  });

  addDbOption(
    task
      .command('show')
      .argument('<id>', 'task id')
      .description('show a task and its state transitions')
      .option('--json', 'print JSON'),
  ).action(async (id: string, opts: { json?: boolean }, cmd: Command) =>
    run(cmd, async (client) => {
      const t = await client.getTask(id);
      const events = await client.taskHistory(t.id);
      if (opts.json) return writeJson(io.stdout, { ...taskJson(t), events: events.map(taskEventJson) });
      writeFields(io.stdout, [
        ['id', t.id],
        ['schedule', t.scheduleId ?? UNSCHEDULED],
        ['key', t.key],
        ['origin', t.origin],
        ['executor', t.executor],
        ['fire at', showInstant(t.fireAt)],
        ['due at', showInstant(t.dueAt)],
        ['state', t.state],
        ['attempt', t.attempt],
        ['failures', t.failures],
        ['fence', t.fence],
        ['node', t.nodeId],
        ['execution', t.executionId],
        ['started', showInstant(t.startedAt)],
        ['ended', showInstant(t.endedAt)],
        ['result', t.result],
        ['error', t.error],
        ['reason', t.reason],
      ]);
      writeLine(io.stdout, '');
      writeTable(io.stdout, EVENT_COLUMNS, events);
    }),
  );

  addDbOption(
    task
      .command('cancel')
      .argument('<id>', 'task id')
      .description('cancel a task: a pending one at once; a running one is aborted by its node, within a poll wait')
      .option('--reason <text>', 'why, recorded on the task', 'cancelled from the command line')
      .option('--json', 'print the task as JSON'),
  ).action(async (id: string, opts: { reason: string; json?: boolean }, cmd: Command) =>
    run(cmd, async (client) => {
      const t = await client.cancelTask(id, opts.reason);
      if (opts.json) return writeJson(io.stdout, taskJson(t));
      if (t.state === 'cancelled') writeLine(io.stdout, `task ${t.id} cancelled`);
      else if (t.state === 'running')
        writeLine(io.stdout, `cancel requested: task ${t.id} is being stopped by node ${t.nodeId ?? '?'}`);
      else writeLine(io.stdout, `task ${t.id} is already ${t.state}; nothing to cancel`);
    }),
  );

  registerTaskAddCommand(task, io);
  registerTaskRetryCommand(task, io);
  registerTaskLogsCommand(task, io);
  registerTaskReportCommand(task, io);
}
