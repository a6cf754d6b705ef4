import type { Command } from 'commander';
import { pino } from 'pino';
import { RookeryClient, ValidationError } from '@rookery/core';
import {
  createClusterMetrics,
  createServerHealth,
  isLoopbackHost,
  parseApiToken,
  parseApiTokenList,
  Registry,
  startApiServer,
  timedDatastore,
  type ApiToken,
} from '@rookery/server';
import { writeLine, type CliIo } from '../context.js';
import { addDbOption, dbUrlOf, withDatastore } from '../options/db.js';
import { parseDuration, parseInteger } from '../options/duration.js';
import { publishingWakeSignals } from '../options/operator-client.js';
import { resolveWakeSignals } from '../options/wake-signals.js';
import { BUILT_IN_EXECUTORS } from './built-in-executors.js';
import { untilSignal } from '../startup/until-signal.js';
import { schemaProblem } from './node-http.js';

/** Options of `rookery serve`, as commander hands them over. */
interface ServeOptions {
  port: string;
  host: string;
  token: string[];
  insecureNoAuth?: boolean;
  logPoll: string;
  log: string;
  wakeSignals: string;
}

/** What `rookery serve` runs with, checked. */
export interface ServeSettings {
  /** TCP port. */
  port: number;
  /** Address listened on. */
  host: string;
  /** The tokens (empty with `insecureNoAuth`). */
  tokens: ApiToken[];
  /** No tokens, loopback only. */
  insecureNoAuth: boolean;
  /** Log follow poll interval, ms. */
  logPollMs: number;
  /** `json`: one pino JSON line per request on stdout; `text`: the server's own lines only. */
  log: 'json' | 'text';
}

/**
 * Checks the options of `rookery serve`: the tokens come from `--token` (repeatable) or else
 * `ROOKERY_API_TOKENS` (comma-separated); without any the server refuses to start unless
 * `--insecure-no-auth`, which refuses a host that is not loopback. Errors never hold a token.
 */
export function parseServeOptions(opts: ServeOptions, env: Record<string, string | undefined>): ServeSettings {
  const port = parseInteger('port', opts.port, 0, 65_535);
  const host = opts.host.trim();
  if (!host) throw new ValidationError('host', 'must not be empty');
  const tokens =
    opts.token.length > 0
      ? opts.token.map((t) => parseApiToken('token', t))
      : parseApiTokenList('ROOKERY_API_TOKENS', env['ROOKERY_API_TOKENS'] ?? '');
  const insecureNoAuth = opts.insecureNoAuth === true;
  if (insecureNoAuth && tokens.length > 0)
    throw new ValidationError(
      'insecure-no-auth',
      'tokens are given (--token or ROOKERY_API_TOKENS): leave out --insecure-no-auth',
    );
  if (!insecureNoAuth && tokens.length === 0) {
    throw new ValidationError(
      'token',
      'give --token ROLE:TOKEN (repeatable) or ROOKERY_API_TOKENS=ROLE:TOKEN,…; or --insecure-no-auth to serve without tokens on a loopback address',
    );
  }
  if (insecureNoAuth && !isLoopbackHost(host))
    throw new ValidationError(
      'host',
      `${host} is not a loopback address; --insecure-no-auth serves on loopback only (127.0.0.1, ::1, localhost)`,
    );
  if (opts.log !== 'json' && opts.log !== 'text')
    throw new ValidationError('log', `must be json or text, got '${opts.log}'`);
  return { port, host, tokens, insecureNoAuth, logPollMs: parseDuration('log-poll', opts.logPoll), log: opts.log };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * Registers `rookery serve`: the HTTP API (`/api/v1`, its OpenAPI document), `/metrics`,
 * `/healthz`, `/readyz` and the dashboard (`/`), until SIGTERM or SIGINT.
 *
 * @param program - the `rookery` program
 * @param io - where to write
 */
export function registerServeCommand(program: Command, io: CliIo): void {
  addDbOption(
    program
      .command('serve')
      .description(
        'serve the HTTP API, its OpenAPI document, the dashboard, /metrics, /healthz and /readyz until SIGTERM/SIGINT',
      )
      .requiredOption('--port <port>', 'TCP port (0 picks a free one)')
      .option('--host <address>', 'address to listen on (0.0.0.0 to be reached from other machines)', '127.0.0.1')
      .option(
        '--token <role:token>',
        'a bearer token and its role (read, operate or admin); repeatable (default: $ROOKERY_API_TOKENS, comma-separated)',
        collect,
        [],
      )
      .option('--insecure-no-auth', 'serve without tokens, every request as admin; loopback addresses only')
      .option('--log-poll <duration>', 'how often a live log follow looks for new lines', '1s')
      .option(
        '--log <format>',
        "json: a pino JSON line per request on stdout (Authorization redacted); text: the server's own lines only",
        'text',
      )
      .option(
        '--wake-signals <mode>',
        'wake idle nodes when the API or the dashboard writes work that falls due soon: auto (pg on a PostgreSQL URL, else none), pg (NOTIFY), none (the nodes find it at their next poll)',
        'auto',
      ),
  ).action(async (opts: ServeOptions, cmd: Command) => {
    const settings = parseServeOptions(opts, io.env ?? process.env);
    const url = dbUrlOf(cmd, io.env);
    const wakeMode = resolveWakeSignals(opts.wakeSignals, url);
    await withDatastore(url, async (store) => {
      const registry = new Registry();
      const wakeSignals = publishingWakeSignals(wakeMode, url, io, 'rookery serve');
      const client = new RookeryClient({
        datastore: timedDatastore(store, registry),
        builtInExecutors: [...BUILT_IN_EXECUTORS],
        ...(wakeSignals ? { wakeSignals } : {}),
      });
      createClusterMetrics({ registry, overview: () => client.overview() });
      const signals = untilSignal(() => {
        writeLine(io.stderr, 'rookery serve: second signal, exiting now');
        process.exit(1);
      });
      try {
        const server = await startApiServer({
          port: settings.port,
          host: settings.host,
          client,
          tokens: settings.tokens,
          insecureNoAuth: settings.insecureNoAuth,
          logPollMs: settings.logPollMs,
          logger:
            settings.log === 'json'
              ? {
                  level: 'info',
                  timestamp: pino.stdTimeFunctions.isoTime,
                  stream: { write: (line: string) => void io.stdout.write(line) },
                }
              : false,
          registry,
          health: createServerHealth({
            datastore: store,
            schemaProblem: () => schemaProblem(store),
          }),
          onError: (error) => writeLine(io.stderr, `rookery serve: internal error: ${error.message}`),
        });
        writeLine(io.stdout, `${server.url}/`);
        writeLine(
          io.stderr,
          `rookery serve: API at ${server.url}/api/v1 (OpenAPI ${server.url}/api/v1/openapi.json), dashboard at ${server.url}/, ` +
            `${settings.insecureNoAuth ? 'NO AUTH (loopback only)' : `${settings.tokens.length} token(s)`}; SIGTERM or Ctrl-C stops it`,
        );
        const signal = await signals.stopped;
        writeLine(io.stderr, `rookery serve: ${signal}, stopping`);
        await server.close();
      } finally {
        signals.dispose();
        await wakeSignals?.close();
      }
    });
  });
}
