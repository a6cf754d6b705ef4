import type { Command } from 'commander';
import {
  MAX_PREVIEW_COUNT,
  parseInstant,
  previewTrigger,
  RookeryClient,
  SCHEDULE_STATES,
  validateTrigger,
  ValidationError,
  type Schedule,
  type ScheduleState,
} from '@rookery/core';
import { pgWakeSignals } from '@rookery/messaging';
import { writeLine, type CliIo } from '../context.js';
import { addDbOption, dbUrlOf, withDatastore } from '../options/db.js';
import { resolveWakeSignals } from '../options/wake-signals.js';
import { parseInteger } from '../options/duration.js';
import {
  PERIOD_EXAMPLES,
  parseJobChanges,
  parseJobOptions,
  type JobAddOptions,
  type JobUpdateOptions,
} from '../options/parse-job-options.js';
import { iso, scheduleJson, submissionJson, writeJson } from '../output/json.js';
import { showInstant, writeTable } from '../output/table.js';
import { BUILT_IN_EXECUTORS, checkBuiltInPayload } from './built-in-executors.js';
import { registerJobApplyCommand } from './job-apply.js';
import { registerJobRunCommand } from './job-run.js';
import { SILENT_AFTER_MS } from './nodes.js';
import {
  HISTORY_COLUMNS,
  SCHEDULE_COLUMNS,
  SUBMISSION_COLUMNS,
  historyJson,
  writePreview,
  writeSchedule,
} from '../output/schedule-text.js';

/** The options of `rookery job preview`, as commander hands them over. */
interface PreviewOptions {
  cron?: string;
  tz?: string;
  from?: string;
  count: string;
  json?: boolean;
}

type Client = RookeryClient;

/** Adds the options that define a job (trigger, payload, policies), shared by `job add` and `job update`. */
function withDefinitionOptions(cmd: Command): Command {
  return cmd
    .option('--cron <expr>', 'cron expression, 5 fields or 6 with seconds first')
    .option('--tz <zone>', 'IANA time zone of --cron (default UTC)')
    .option(
      '--every <duration>',
      `fixed rate, from 1s to 100 years: ${PERIOD_EXAMPLES.join(', ')} (units ms, s, m, h, d)`,
    )
    .option('--at <instant>', 'once, at an ISO-8601 instant')
    .option(
      '--after-run <duration>',
      `next run this long after the previous one ends, from 1s: ${PERIOD_EXAMPLES.join(', ')}`,
    )
    .option('--payload <json>', 'JSON payload handed to the executor')
    .option('--duplicate <policy>', 'when a run is still going: run | skip | replace | queue')
    .option('--misfire <policy>', 'fire times missed while no node ran: run-all | run-once | skip')
    .option('--retries <n>', 'retries after the first attempt')
    .option('--backoff <kind:duration>', 'fixed:DURATION or exponential:DURATION (default fixed:1s)')
    .option('--timeout <duration>', 'abort an attempt that runs longer')
    .option('--priority <n>', 'higher runs first among tasks due at once');
}

/** Registers `rookery job add|update|apply|run|ls|show|preview|history|validations|pause|resume|retire|rm`. */
export function registerJobCommands(program: Command, io: CliIo): void {
  const job = program.command('job').description('manage scheduled jobs (schedules)');
  // On PostgreSQL the client wakes idle nodes when a job it stores, updates or resumes falls due
  // soon (the publishing session opens only then); the command ends after the NOTIFY is sent.
  const run = async (cmd: Command, fn: (client: Client) => Promise<void>): Promise<void> => {
    const url = dbUrlOf(cmd, io.env);
    return withDatastore(url, async (datastore) => {
      const wakeSignals =
        resolveWakeSignals('auto', url) === 'pg'
          ? pgWakeSignals({
              url,
              onError: (error) =>
                writeLine(
                  io.stderr,
                  `rookery: wake signal not sent (the nodes will find the job at their next poll): ${error instanceof Error ? error.message : String(error)}`,
                ),
            })
          : null;
      try {
        await fn(
          new RookeryClient({
            datastore,
            builtInExecutors: [...BUILT_IN_EXECUTORS],
            ...(wakeSignals ? { wakeSignals } : {}),
          }),
        );
      } finally {
        await wakeSignals?.close();
      }
    });
  };

  addDbOption(
    withDefinitionOptions(
      job
        .command('add')
        .description('create a scheduled job')
        .requiredOption('--name <name>', 'unique name')
        .requiredOption('--exec <executor>', 'executor that runs its tasks'),
    )
      .option('--paused', 'create it paused')
      .option('--force', 'accept an executor no registered node offers yet')
      .option(
        '--client <id>',
        'submit it for validation by the cluster as this client: stored pending at once; see job validations',
      )
      .option('--json', 'print the schedule as JSON'),
  ).action(async (opts: JobAddOptions & { force?: boolean; json?: boolean }, cmd: Command) => {
    const input = parseJobOptions(opts);
    // A submission's payload is the cluster's to judge (on a node that has the executor).
    if (input.clientId === undefined) checkBuiltInPayload(input.executor, input.payload ?? null);
    await run(cmd, async (client) => {
      const s = await client.createSchedule(input, { force: opts.force === true });
      if (opts.json) writeJson(io.stdout, scheduleJson(s));
      else if (s.clientId !== null) {
        writeLine(
          io.stdout,
          `submitted ${s.name} (${s.id}) for validation; see: rookery job validations --client ${s.clientId}`,
        );
      } else writeLine(io.stdout, `created ${s.name} (${s.id}), next fire ${showInstant(s.nextFireAt) ?? '-'}`);
    });
  });

  addDbOption(
    job
      .command('validations')
      .description('list the jobs a client submitted with --client: pending, active, or rejected with the reason')
      .requiredOption('--client <id>', 'the client id given to job add --client')
      .option('--limit <n>', 'at most this many, oldest first', '1000')
      .option('--json', 'print a JSON array'),
  ).action(async (opts: { client: string; limit: string; json?: boolean }, cmd: Command) => {
    const limit = parseInteger('limit', opts.limit, 1, 100_000);
    await run(cmd, async (client) => {
      const list = await client.validations({ clientId: opts.client, limit });
      if (opts.json) writeJson(io.stdout, list.map(submissionJson));
      else writeTable(io.stdout, SUBMISSION_COLUMNS, list);
    });
  });

  addDbOption(
    job
      .command('ls')
      .description('list scheduled jobs')
      .option(
        '--state <states>',
        `only these states, comma separated (${SCHEDULE_STATES.join(', ')})`,
        (v: string, prev: string[] = []) => [...prev, v],
      )
      .option('--json', 'print a JSON array'),
  ).action(async (opts: { state?: string[]; json?: boolean }, cmd: Command) =>
    run(cmd, async (client) => {
      const states = opts.state
        ?.flatMap((v) => v.split(','))
        .map((s) => s.trim())
        .filter(Boolean) as ScheduleState[] | undefined;
      const list = await client.listSchedules({ limit: 10_000, ...(states ? { states } : {}) });
      if (opts.json) writeJson(io.stdout, list.map(scheduleJson));
      else writeTable(io.stdout, SCHEDULE_COLUMNS, list);
    }),
  );

  addDbOption(
    job
      .command('show')
      .argument('<name>', 'name or id')
      .description('show one scheduled job')
      .option('--json', 'print JSON'),
  ).action(async (name: string, opts: { json?: boolean }, cmd: Command) =>
    run(cmd, async (client) => {
      const s = await client.getSchedule(name);
      const unoffered =
        (await client.listUnofferedWork(SILENT_AFTER_MS)).find((b) => b.executor === s.executor) ?? null;
      if (opts.json)
        return writeJson(io.stdout, {
          ...scheduleJson(s),
          unoffered: unoffered && { pending: unoffered.pending, oldestDueAt: iso(unoffered.oldestDueAt) },
        });
      const nobody = `${unoffered?.pending ?? 0} pending task(s) of executor ${s.executor}; no running node offers it`;
      writeSchedule(io, s, false, unoffered ? [['unoffered', nobody]] : []);
    }),
  );

  addDbOption(
    job
      .command('preview')
      .argument('[name]', 'name or id of a job (or give --cron)')
      .description('list the next fire times of a job or a cron expression, with DST notes and warnings')
      .option('--cron <expr>', 'preview this cron expression instead of a job')
      .option('--tz <zone>', 'IANA time zone of --cron (default UTC)')
      .option('--from <instant>', 'with --cron: from this ISO-8601 instant (default now)')
      .option('--count <n>', `how many fire times, 1-${MAX_PREVIEW_COUNT}`, '10')
      .option('--json', 'print { fireTimes, warnings } as JSON'),
  ).action(async (name: string | undefined, opts: PreviewOptions, cmd: Command) => {
    const count = parseInteger('count', opts.count, 1, MAX_PREVIEW_COUNT);
    if (opts.cron === undefined) {
      if (name === undefined) throw new ValidationError('name', 'give a job NAME or --cron EXPR');
      if (opts.tz !== undefined) throw new ValidationError('tz', '--tz applies only to --cron');
      if (opts.from !== undefined) throw new ValidationError('from', '--from applies only to --cron');
      return run(cmd, async (client) => writePreview(io, await client.previewSchedule(name, count), opts.json));
    }
    if (name !== undefined)
      throw new ValidationError('cron', `give a job NAME or --cron EXPR, not both (got '${name}' and --cron)`);
    // An expression needs no database: it is previewed from this machine's clock.
    const trigger = validateTrigger({
      kind: 'cron',
      expr: opts.cron,
      ...(opts.tz !== undefined ? { tz: opts.tz } : {}),
    });
    const from = opts.from === undefined ? Date.now() : parseInstant(opts.from, 'from');
    writePreview(io, previewTrigger(trigger, { count, from }), opts.json);
  });

  addDbOption(
    job
      .command('history')
      .argument('<name>', 'name or id')
      .description("a job's occurrence ledger, newest fire time first: state, attempts, node and why")
      .option('--limit <n>', 'at most this many', '50')
      .option('--json', 'print a JSON array'),
  ).action(async (name: string, opts: { limit: string; json?: boolean }, cmd: Command) => {
    const limit = parseInteger('limit', opts.limit, 1, 100_000);
    await run(cmd, async (client) => {
      const tasks = await client.listTasks({ schedule: name, limit });
      if (opts.json) writeJson(io.stdout, tasks.map(historyJson));
      else writeTable(io.stdout, HISTORY_COLUMNS, tasks);
    });
  });

  const change = (
    verb: string,
    pastTense: string,
    describe: string,
    act: (c: Client, name: string) => Promise<Schedule>,
  ): void => {
    addDbOption(
      job
        .command(verb)
        .argument('<name>', 'name or id')
        .description(describe)
        .option('--json', 'print the schedule as JSON'),
    ).action(async (name: string, opts: { json?: boolean }, cmd: Command) =>
      run(cmd, async (client) => {
        const s = await act(client, name);
        if (opts.json) writeJson(io.stdout, scheduleJson(s));
        else writeLine(io.stdout, `${pastTense} ${s.name}`);
      }),
    );
  };
  addDbOption(
    withDefinitionOptions(
      job
        .command('update <job>')
        .description(
          'change what a job runs and when (only what is given); fire times already due keep the old definition',
        )
        .option('--rename <name>', 'a new unique name')
        .option('--exec <executor>', 'executor that runs its tasks'),
    )
      .option('--force', 'accept an executor no registered node offers yet')
      .option('--json', 'print the schedule as JSON'),
  ).action(async (name: string, opts: JobUpdateOptions & { force?: boolean; json?: boolean }, cmd: Command) => {
    const changes = parseJobChanges(opts);
    await run(cmd, async (client) => {
      if (changes.executor !== undefined || changes.payload !== undefined) {
        const current = await client.getSchedule(name);
        checkBuiltInPayload(
          changes.executor ?? current.executor,
          changes.payload === undefined ? current.payload : changes.payload,
        );
      }
      const s = await client.updateSchedule(name, changes, { force: opts.force === true });
      if (opts.json) writeJson(io.stdout, scheduleJson(s));
      else writeLine(io.stdout, `updated ${s.name} (${s.id}), next fire ${showInstant(s.nextFireAt) ?? '-'}`);
    });
  });

  change(
    'pause',
    'paused',
    'stop the job until resumed: no planned run that has not started starts after this returns',
    (c, n) => c.pauseSchedule(n),
  );
  change(
    'resume',
    'resumed',
    'resume a paused job (fire times missed meanwhile are not run; a done job cannot be resumed)',
    (c, n) => c.resumeSchedule(n),
  );
  change(
    'retire',
    'retired',
    'put a job out to pasture: it never fires again (no planned run starts after this returns), its ledger stays',
    (c, n) => c.retireSchedule(n),
  );

  registerJobApplyCommand(job, io);
  registerJobRunCommand(job, io);

  addDbOption(
    job.command('rm').argument('<name>', 'name or id').description('delete a job and its whole task ledger'),
  ).action(async (name: string, _opts: unknown, cmd: Command) =>
    run(cmd, async (client) => {
      const s = await client.getSchedule(name);
      await client.deleteSchedule(s.id);
      writeLine(io.stdout, `deleted ${s.name}`);
    }),
  );
}
