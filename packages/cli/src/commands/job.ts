import type { Command } from 'commander';
import {
  MAX_PREVIEW_COUNT,
  parseInstant,
  previewTrigger,
  RookeryClient,
  SCHEDULE_STATES,
  validateTrigger,
  ValidationError,
  type PreviewEntry,
  type Schedule,
  type ScheduleState,
  type ScheduleSubmission,
  type Task,
  type Trigger,
  type TriggerPreview,
} from '@rookery/core';
import { pgWakeSignals } from '@rookery/messaging';
import { writeLine, type CliIo } from '../context.js';
import { addDbOption, dbUrlOf, withDatastore } from '../options/db.js';
import { resolveWakeSignals } from '../options/wake-signals.js';
import { formatDuration, parseInteger } from '../options/duration.js';
import {
  PERIOD_EXAMPLES,
  parseJobChanges,
  parseJobOptions,
  type JobAddOptions,
  type JobUpdateOptions,
} from '../options/parse-job-options.js';
import { iso, scheduleJson, submissionJson, writeJson } from '../output/json.js';
import { showInstant, writeFields, writeTable, type Column } from '../output/table.js';
import { BUILT_IN_EXECUTORS, checkBuiltInPayload } from './built-in-executors.js';
import { registerJobApplyCommand } from './job-apply.js';
import { registerJobRunCommand } from './job-run.js';
import { SILENT_AFTER_MS } from './nodes.js';

/** A trigger in a few words: `cron 0 3 * * * (UTC)`, `every 5m`, `once at …`, `1s after run`. */
export function describeTrigger(t: Trigger): string {
  switch (t.kind) {
    case 'cron':
      return `cron ${t.expr} (${t.tz ?? 'UTC'})`;
    case 'interval':
      return `every ${formatDuration(t.everyMs)}`;
    case 'once':
      return `once at ${new Date(t.at).toISOString()}`;
    case 'after-run':
      return `${formatDuration(t.delayMs)} after run`;
  }
}

const COLUMNS: Column<Schedule>[] = [
  { header: 'name', cell: (s) => s.name },
  { header: 'state', cell: (s) => s.state },
  { header: 'executor', cell: (s) => s.executor },
  { header: 'trigger', cell: (s) => describeTrigger(s.trigger) },
  { header: 'next fire', cell: (s) => showInstant(s.nextFireAt) },
  { header: 'id', cell: (s) => s.id },
];

/** Where the validation of a submitted schedule stands, in a few words. */
function validationText(s: Schedule): string {
  const v = s.validation;
  if (v === null) return `pending: waiting for a node that has executor '${s.executor}'`;
  const when = `by ${v.by} at ${showInstant(v.at) ?? '-'}`;
  return v.reason === null ? `accepted ${when}` : `rejected ${when}: ${v.reason}`;
}

function writeSchedule(io: CliIo, s: Schedule, json: boolean | undefined, extra: [string, unknown][] = []): void {
  if (json) return writeJson(io.stdout, scheduleJson(s));
  const p = s.policies;
  writeFields(io.stdout, [
    ['name', s.name],
    ['id', s.id],
    ['state', s.state],
    ['executor', s.executor],
    ['trigger', describeTrigger(s.trigger)],
    ['payload', s.payload],
    ...(s.clientId === null
      ? []
      : ([
          ['client', s.clientId],
          ['validation', validationText(s)],
        ] as [string, string][])),
    ['next fire', showInstant(s.nextFireAt)],
    ['start at', showInstant(s.startAt)],
    ['end at', showInstant(s.endAt)],
    ['duplicate', p.duplicate],
    ['misfire', p.misfire],
    [
      'retry',
      p.retry.kind === 'none' || p.retry.maxAttempts <= 1
        ? 'none'
        : `${p.retry.kind} ${formatDuration(p.retry.delayMs)}, ${p.retry.maxAttempts} attempts`,
    ],
    ['timeout', p.timeoutMs === null ? null : formatDuration(p.timeoutMs)],
    ['priority', p.priority],
    ['created', showInstant(s.createdAt)],
    ['updated', showInstant(s.updatedAt)],
    ...extra,
  ]);
}

const PREVIEW_COLUMNS: Column<PreviewEntry>[] = [
  { header: 'utc', cell: (e) => e.utc },
  { header: 'local', cell: (e) => e.local },
  { header: 'offset', cell: (e) => e.offset },
  { header: 'note', cell: (e) => e.note },
];

/**
 * Why a task of the ledger is in its state: its `reason` (`completed on node X`, `skipped:
 * schedule busy with task …`, `misfire policy …`, `repaired: …`), with the error
 * of a failed task; for a task without a reason, a few words from its state. An operator's
 * extra run (origin `manual`) is marked `manual run, …`.
 */
export function taskWhy(t: Task): string {
  const why = ownWhy(t);
  // An operator's extra run says so for the life of its row, whatever became of it.
  return t.origin === 'manual' && !why.startsWith('manual') ? `manual run, ${why}` : why;
}

/** Why a task is in its state, from its reason or else its state. */
function ownWhy(t: Task): string {
  if (t.reason !== null) return t.state === 'failed' && t.error !== null ? `${t.reason}: ${t.error}` : t.reason;
  switch (t.state) {
    case 'pending':
      return `${t.attempt === 0 ? 'waiting' : 'due again'}: due at ${iso(t.dueAt) ?? '-'}`;
    case 'running':
      return `running on node ${t.nodeId ?? '?'} (attempt ${t.attempt})`;
    case 'completed':
      return `ran on node ${t.nodeId ?? '?'}`;
    case 'failed':
      return `failed${t.error === null ? '' : `: ${t.error}`}`;
    default:
      return t.state;
  }
}

const HISTORY_COLUMNS: Column<Task>[] = [
  { header: 'fire at', cell: (t) => showInstant(t.fireAt) },
  { header: 'state', cell: (t) => t.state },
  { header: 'attempts', cell: (t) => t.attempt },
  { header: 'node', cell: (t) => t.nodeId },
  { header: 'why', cell: taskWhy },
];

/** One row of `rookery job history --json`: instants as ISO strings. */
function historyJson(t: Task): Record<string, unknown> {
  return {
    taskId: t.id,
    origin: t.origin,
    fireAt: iso(t.fireAt),
    spanEndAt: iso(t.spanEndAt),
    spanCount: t.spanCount,
    state: t.state,
    attempts: t.attempt,
    nodeId: t.nodeId,
    why: taskWhy(t),
    startedAt: iso(t.startedAt),
    endedAt: iso(t.endedAt),
  };
}

function writePreview(io: CliIo, p: TriggerPreview, json: boolean | undefined): void {
  if (json) return writeJson(io.stdout, { fireTimes: p.fireTimes, warnings: p.warnings });
  writeTable(io.stdout, PREVIEW_COLUMNS, p.fireTimes);
  for (const w of p.warnings) writeLine(io.stderr, `warning: ${w}`);
}

const SUBMISSION_COLUMNS: Column<ScheduleSubmission>[] = [
  { header: 'name', cell: (v) => v.name },
  { header: 'validation', cell: (v) => v.state },
  { header: 'state', cell: (v) => v.scheduleState },
  { header: 'executor', cell: (v) => v.executor },
  { header: 'submitted', cell: (v) => showInstant(v.submittedAt) },
  {
    header: 'validated',
    cell: (v) => (v.validatedBy === null ? null : `${showInstant(v.validatedAt) ?? '-'} by ${v.validatedBy}`),
  },
  {
    header: 'reason',
    cell: (v) => v.reason ?? (v.state === 'pending' ? `waiting for a node that has executor '${v.executor}'` : null),
  },
];

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
      else writeTable(io.stdout, COLUMNS, list);
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
