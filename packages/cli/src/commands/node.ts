import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import {
  DatastoreError,
  MAX_RESULT_BYTES_LIMIT,
  RookeryNode,
  logNodeLife,
  ValidationError,
  offsetClock,
  resolveRetention,
  resolveTimings,
  systemClock,
} from '@rookery/core';
import { createSqlDatastore, idleTransactionTimeoutForLease } from '@rookery/datastore-sql';
import { parseAllowedOrigins, WorkerPool, type WorkerPoolOptions } from '@rookery/executor';
import { createEventBus, pgWakeSignals } from '@rookery/messaging';
import { writeLine, type CliIo } from '../context.js';
import { builtInExecutors, parseBuiltIns } from './built-in-executors.js';
import { addDbOption, dbUrlOf } from '../options/db.js';
import { parseDuration, parseInteger } from '../options/duration.js';
import { parseRetention, parseUnresolvedAfter } from '../options/retention.js';
import { parseRateLimits } from '../options/rate-limits.js';
import { parsePollWaits } from '../options/poll-waits.js';
import { resolveWakeSignals } from '../options/wake-signals.js';
import { textLogger } from '../output/event-line.js';
import { jsonLogger } from '../output/json-logger.js';
import { openWithRetry } from '../startup/open-with-retry.js';
import { untilSignal } from '../startup/until-signal.js';
import { loadExecutorPackages, loadExecutors } from './load-executors.js';
import {
  addNodeHttpOptions,
  observedDatastore,
  parseNodeHttp,
  startNodeHttp,
  type NodeHttpCommandOptions,
} from './node-http.js';

/** Options of `rookery node`, as commander hands them over. */
interface NodeCommandOptions extends NodeHttpCommandOptions {
  id?: string;
  concurrency?: string;
  minWorkers?: string;
  maxWorkers?: string;
  scaleDownAfter: string;
  rateLimit: string[];
  clusterRateLimit: string[];
  heartbeatTimeout?: string;
  executors: string[];
  executorPackage: string[];
  leaseMs?: string;
  peelLeaseMs?: string;
  claimPaceMs?: string;
  poolMax?: string;
  maxResultBytes?: string;
  log: string;
  taskLines: boolean;
  grace: string;
  clockOffsetMs: string;
  retention: string;
  nodeRetention: string;
  unresolvedAfter: string;
  pruneEvery: string;
  startupTimeout: string;
  migrate: boolean;
  killGrace: string;
  builtin?: string;
  allowCommand: string[];
  allowShell: boolean;
  httpTimeout: string;
  httpAllow: string[];
  pollWaits?: string;
  wakeSignals: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The pool's size options: fixed (`--concurrency`), or autoscaling (`--min-workers`, `--max-workers`). */
function workerPoolOptions(opts: NodeCommandOptions): WorkerPoolOptions {
  if (opts.maxWorkers === undefined) {
    if (opts.minWorkers !== undefined) throw new ValidationError('min-workers', 'needs --max-workers');
    return { concurrency: parseInteger('concurrency', opts.concurrency ?? '10', 1, 100_000) };
  }
  if (opts.concurrency !== undefined)
    throw new ValidationError(
      'concurrency',
      'a fixed pool (--concurrency) and an autoscaling one (--max-workers) exclude each other',
    );
  return {
    maxWorkers: parseInteger('max-workers', opts.maxWorkers, 1, 100_000),
    minWorkers: parseInteger('min-workers', opts.minWorkers ?? '1', 1, 100_000),
    scaleDownAfterMs: parseDuration('scale-down-after', opts.scaleDownAfter),
  };
}

/** Registers `rookery node`: runs one scheduler node until SIGTERM or SIGINT. */
export function registerNodeCommand(program: Command, io: CliIo): void {
  addDbOption(
    addNodeHttpOptions(program.command('node'))
      .description('run a scheduler node until SIGTERM/SIGINT (migrates the schema first, unless --no-migrate)')
      .option('--id <id>', 'node id, unique in the cluster (default <host>-<pid>-<random>)')
      .option('--concurrency <n>', 'attempts run at once: a fixed pool (default 10; not with --max-workers)')
      .option('--min-workers <n>', 'autoscaling pool: fewest workers (default 1)')
      .option('--max-workers <n>', 'autoscaling pool: most workers; the pool grows toward it while due tasks back up')
      .option('--scale-down-after <duration>', 'autoscaling pool: quiet time before each step down', '10s')
      .option(
        '--rate-limit <executor=n>',
        'at most n starts per second of an executor on this node (repeatable; n or n/s)',
        collect,
        [],
      )
      .option(
        '--cluster-rate-limit <executor=n>',
        'at most n starts per second of an executor across the cluster, stored in the database; the last node started with it wins (repeatable; executor=off removes it)',
        collect,
        [],
      )
      .option(
        '--heartbeat-timeout <duration>',
        'fail (retryably) an attempt whose executor called heartbeat() and then fell silent this long',
      )
      .option(
        '--executors <path>',
        'module whose default export maps executor names to functions (repeatable)',
        (v: string, prev: string[]) => [...prev, v],
        [],
      )
      .option(
        '--executor-package <name>',
        'installed npm package whose default export is an executor or an array of them, resolved from the working directory (repeatable)',
        (v: string, prev: string[]) => [...prev, v],
        [],
      )
      .option('--lease-ms <ms>', 'lease length in milliseconds (default 10000)')
      .option(
        '--peel-lease-ms <ms>',
        'lease a peel takes on the schedules it claims, in milliseconds, from 50 to the lease: a dead node holds their fire times back this long (default 500)',
      )
      .option(
        '--claim-pace-ms <ms>',
        'after a claim that took every due task, how long an ending attempt waits for the next claim to carry its commit, in milliseconds, from 0 to 1000 (default 10)',
      )
      .option(
        '--max-result-bytes <n>',
        'largest result an attempt may store, in bytes of JSON (default 262144); a larger one fails its task for good',
      )
      .option(
        '--pool-max <n>',
        'largest number of database connections this node opens (network databases; default 10)',
      )
      .option(
        '--poll-waits <ms,ms,...>',
        'waits between polls in milliseconds, used in turn so that nodes do not poll in step (default 200,300,250,350); with wake signals, an idle node multiplies them by the live nodes that share the polls (at most 10)',
      )
      .option(
        '--wake-signals <mode>',
        'hints that work falls due, so idle nodes wake before their next poll: auto (pg on a PostgreSQL URL, else none), pg (LISTEN/NOTIFY), none (polling only)',
        'auto',
      )
      .option('--grace <duration>', 'on stop, how long running attempts may finish', '10s')
      .option(
        '--builtin <names>',
        'built-in executors this node offers, comma-separated: process, http (default none; see the trust model in the docs)',
      )
      .option(
        '--allow-command <path>',
        'process executor: an absolute path of a program commands may run (repeatable; default any program)',
        collect,
        [],
      )
      .option(
        '--allow-shell',
        'process executor: run payloads with shell: true (a shell runs anything, whatever --allow-command says)',
        false,
      )
      .option(
        '--kill-grace <duration>',
        'process executor: time between SIGTERM and SIGKILL of an aborted task; must fit into the lease (at most lease − trust margin − 0.6 s)',
        '5s',
      )
      .option(
        '--http-timeout <duration>',
        'http executor: longest a call may take (signed when ROOKERY_HTTP_SECRET is set)',
        '30s',
      )
      .option(
        '--http-allow <origin>',
        'http executor: an origin calls may go to, such as https://api.example.com; calls elsewhere fail for good (repeatable; default: any origin)',
        (v: string, prev: string[]) => [...prev, v],
        [],
      )
      .option('--log <format>', 'event lines: text or json', 'text')
      .option(
        '--no-task-lines',
        'no line per task event, only node events, repairs, lost leases and errors (for high task rates)',
      )
      .option(
        '--retention <duration>',
        "delete finished tasks (with events and logs) this long after they ended, or 'off'",
        '30d',
      )
      .option('--node-retention <duration>', "delete records of nodes gone this long, or 'off'", '7d')
      .option(
        '--unresolved-after <duration>',
        "fail pending tasks due this long ago whose executor no node has offered for this long (at most --node-retention), or 'off'",
        '6h',
      )
      .option('--prune-every <duration>', 'how often this node runs a retention pass', '10m')
      .option('--startup-timeout <duration>', 'how long to keep trying to reach the database at start', '60s')
      .option(
        '--no-migrate',
        'never change the schema: refuse to start while migrations are pending (run rookery migrate first)',
      )
      .option(
        '--clock-offset-ms <ms>',
        "fault experiments: shift this node's wall clock by a signed number of ms (leases and due-ness stay judged by the database clock)",
        '0',
      ),
  ).action(async (opts: NodeCommandOptions, cmd: Command) => {
    if (opts.log !== 'json' && opts.log !== 'text')
      throw new ValidationError('log', `must be json or text, got '${opts.log}'`);
    const format = opts.log;
    const pool = workerPoolOptions(opts);
    const rateLimits = parseRateLimits('rate-limit', opts.rateLimit, false);
    const clusterRateLimits = parseRateLimits('cluster-rate-limit', opts.clusterRateLimit, true);
    const heartbeatTimeoutMs =
      opts.heartbeatTimeout === undefined ? null : parseDuration('heartbeat-timeout', opts.heartbeatTimeout);
    const leaseMs = opts.leaseMs === undefined ? undefined : parseInteger('lease-ms', opts.leaseMs, 1, 3_600_000);
    const peelLeaseMs =
      opts.peelLeaseMs === undefined ? undefined : parseInteger('peel-lease-ms', opts.peelLeaseMs, 1, 3_600_000);
    const claimPaceMs =
      opts.claimPaceMs === undefined ? undefined : parseInteger('claim-pace-ms', opts.claimPaceMs, 0, 1_000);
    const poolMax = opts.poolMax === undefined ? undefined : parseInteger('pool-max', opts.poolMax, 1, 1_000);
    const maxResultBytes =
      opts.maxResultBytes === undefined
        ? undefined
        : parseInteger('max-result-bytes', opts.maxResultBytes, 1, MAX_RESULT_BYTES_LIMIT);
    const pollWaitsMs = opts.pollWaits === undefined ? undefined : parsePollWaits(opts.pollWaits);
    // Checks the peel lease against the lease (50 ms to leaseMs), naming --peel-lease-ms.
    const timings = resolveTimings({
      ...(leaseMs === undefined ? {} : { leaseMs }),
      ...(peelLeaseMs === undefined ? {} : { peelLeaseMs }),
      ...(pollWaitsMs === undefined ? {} : { pollWaitsMs }),
    });
    const graceMs = parseDuration('grace', opts.grace);
    const retention = resolveRetention({
      historyMs: parseRetention('retention', opts.retention),
      nodesMs: parseRetention('node-retention', opts.nodeRetention),
      unresolvedAfterMs: parseUnresolvedAfter(opts.unresolvedAfter, opts.nodeRetention),
      everyMs: parseDuration('prune-every', opts.pruneEvery),
    });
    const startupTimeoutMs = parseDuration('startup-timeout', opts.startupTimeout);
    const clockOffsetMs = parseInteger('clock-offset-ms', opts.clockOffsetMs, -31_536_000_000, 31_536_000_000);
    const killGraceMs = parseDuration('kill-grace', opts.killGrace);
    const httpSettings = parseNodeHttp(opts);
    const builtIns = parseBuiltIns(opts.builtin);
    const httpTimeoutMs = parseDuration('http-timeout', opts.httpTimeout);
    const httpAllowedOrigins =
      opts.httpAllow.length > 0 ? [...parseAllowedOrigins(opts.httpAllow, 'http-allow')] : undefined;
    const id = opts.id ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    if (!id.trim()) throw new ValidationError('id', 'must not be empty');
    const url = dbUrlOf(cmd, io.env);
    // Built before anything starts, so that a kill grace too long for the lease is refused at once.
    const events = createEventBus();
    const builtIn = builtInExecutors({
      enabled: builtIns,
      killGraceMs,
      allowCommands: opts.allowCommand.length > 0 ? opts.allowCommand : null,
      allowShell: opts.allowShell,
      timings,
      httpTimeoutMs,
      httpSecret: (io.env ?? process.env).ROOKERY_HTTP_SECRET,
      ...(httpAllowedOrigins ? { httpAllowedOrigins } : {}),
      env: process.env,
      onError: (error, taskId) => events.emit('generalError', error, { nodeId: id, source: 'executor', taskId }),
    });
    const wakeMode = resolveWakeSignals(opts.wakeSignals, url);
    // task functions may want to know where they run (the demo records it)
    process.env.ROOKERY_NODE_ID = id;
    // From here a stop signal is a graceful stop, even while the node is still starting: it
    // starts, then stops at once. (One that arrives while the command itself is still loading,
    // before this line, ends the process as the signal would; the node holds nothing yet.)
    const signals = untilSignal(() => {
      writeLine(io.stderr, `${id}: second signal, exiting now`);
      process.exit(1);
    });
    try {
      // The bus exists before anything can fail, so that every failure from here on is a
      // `generalError` in the node's log format. A module that cannot be loaded is one: the node
      // starts with the modules that did load (with none, it still peels and repairs).
      let node: RookeryNode | undefined;
      logNodeLife(events, {
        logger: format === 'json' ? jsonLogger(io.stdout) : textLogger(io.stdout, io.stderr),
        nodeId: id,
        taskEvents: opts.taskLines,
        runningTask: (taskId) => node?.runningTask(taskId),
      });
      let failedModules = 0;
      const fromModules = [
        ...builtIn,
        ...(await loadExecutors(opts.executors, (error) => {
          failedModules += 1;
          events.emit('generalError', error, { nodeId: id, source: 'executors' });
        })),
      ];
      const executors = [
        ...fromModules,
        ...(await loadExecutorPackages(opts.executorPackage, new Set(fromModules.map((e) => e.name)), (error) => {
          failedModules += 1;
          events.emit('generalError', error, { nodeId: id, source: 'executors' });
        })),
      ];
      const wanted = opts.executors.length + opts.executorPackage.length;
      if (failedModules > 0 && failedModules === wanted && format === 'text') {
        const left =
          builtIns.length > 0
            ? `only the built-in executors (${builtIns.join(', ')})`
            : 'no executor (add --builtin to offer built-in ones)';
        writeLine(io.stderr, `node ${id}: no executor module or package could be loaded; it runs ${left}`);
      }

      // Opening the datastore migrates the schema (idempotent, safe from several nodes at once);
      // with --no-migrate it refuses a schema that is behind (SchemaBehindError: no retry, exit 1).
      // If this process freezes inside a transaction, the server ends it after half a lease, so
      // the row locks it holds do not keep the other nodes from taking its tasks over.
      // A database that is not there yet (or drops the connection mid-migration) is waited for,
      // up to --startup-timeout, each failed try a generalError; a stop signal ends the wait.
      const opened = await openWithRetry(
        () =>
          createSqlDatastore({
            url,
            idleTransactionTimeoutMs: idleTransactionTimeoutForLease(timings.leaseMs),
            migrate: opts.migrate,
            ...(poolMax === undefined ? {} : { poolMax }),
          }),
        {
          timeoutMs: startupTimeoutMs,
          stopped: signals.stopped,
          onRetry: (error, attempt, waitMs) =>
            events.emit(
              'generalError',
              new DatastoreError(`cannot open the datastore (try ${attempt}; next in ${waitMs} ms): ${error.message}`, {
                cause: error,
              }),
              {
                nodeId: id,
                source: 'startup',
              },
            ),
        },
      );
      if (!opened) return;
      const { datastore, registry } = observedDatastore(httpSettings, opened);
      // Errors while the node listens go to its generalError; those before or after, here too.
      const wakeSignals =
        wakeMode === 'pg'
          ? pgWakeSignals({
              url,
              onError: (error) =>
                events.emit('generalError', error instanceof Error ? error : new Error(String(error)), {
                  nodeId: id,
                  source: 'wake-signals',
                }),
            })
          : null;
      let probes: Awaited<ReturnType<typeof startNodeHttp>> = null;
      try {
        const workerPool = new WorkerPool({
          ...pool,
          rateLimits: Object.fromEntries(Object.entries(rateLimits).flatMap(([e, n]) => (n === null ? [] : [[e, n]]))),
          onResize: (workers, running) => events.emit('poolResized', workers, running),
        });
        node = new RookeryNode({
          datastore,
          events,
          executors,
          retention,
          pool: workerPool,
          id,
          clusterRateLimits,
          heartbeatTimeoutMs,
          ...(leaseMs !== undefined ? { leaseMs } : {}),
          ...(peelLeaseMs !== undefined ? { peelLeaseMs } : {}),
          ...(claimPaceMs !== undefined ? { claimPaceMs } : {}),
          ...(maxResultBytes !== undefined ? { maxResultBytes } : {}),
          ...(pollWaitsMs !== undefined ? { pollWaitsMs } : {}),
          ...(wakeSignals ? { wakeSignals } : {}),
          ...(clockOffsetMs !== 0 ? { clock: offsetClock(systemClock, () => clockOffsetMs) } : {}),
        });
        probes = await startNodeHttp(httpSettings, { node, pool: workerPool, events, datastore: opened, registry });
        await node.start();
        if (format === 'text')
          writeLine(
            io.stderr,
            `node ${id} running with executors [${executors.map((e) => e.name).join(', ')}]; SIGTERM or Ctrl-C stops it`,
          );
        if (probes && httpSettings && format === 'text')
          writeLine(
            io.stderr,
            `node ${id} serves /metrics, /healthz and /readyz at http://${httpSettings.host}:${probes.port}`,
          );
        const signal = await signals.stopped;
        if (format === 'text')
          writeLine(io.stderr, `node ${id}: ${signal}, stopping (grace ${opts.grace}; send it again to exit at once)`);
        await node.stop({ graceMs });
      } finally {
        await probes?.close();
        await wakeSignals?.close();
        await datastore.close();
      }
    } finally {
      signals.dispose();
    }
  });
}
