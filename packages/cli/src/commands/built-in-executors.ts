import { maxAbortGraceMs, ValidationError, type Executor, type Json, type NodeTimings } from '@rookery/core';
import { httpExecutor, parseHttpPayload, parseProcessPayload, processExecutor } from '@rookery/executor';

/** Names of the executors built into `rookery node`, offered only when named by `--builtin`. */
export const BUILT_IN_EXECUTORS = ['http', 'process'] as const;

/** One of {@link BUILT_IN_EXECUTORS}. */
export type BuiltInExecutorName = (typeof BUILT_IN_EXECUTORS)[number];

/**
 * Reads `--builtin`: a comma-separated list of built-in executors (`process,http`), or none.
 *
 * @param value - the option's value, if given
 * @throws ValidationError naming `builtin` for an unknown name
 */
export function parseBuiltIns(value: string | undefined): BuiltInExecutorName[] {
  if (value === undefined) return [];
  const names = value.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!(BUILT_IN_EXECUTORS as readonly string[]).includes(name)) {
      throw new ValidationError(
        'builtin',
        `unknown built-in executor '${name}' (expected a comma-separated list of ${BUILT_IN_EXECUTORS.join(', ')})`,
      );
    }
  }
  return [...new Set(names as BuiltInExecutorName[])];
}

/**
 * Checks the payload of a job for a built-in executor before it is stored, so that a malformed
 * one is refused at once rather than failing every run. Other executors' payloads pass.
 *
 * @param executor - the job's executor
 * @param payload - its payload
 * @throws ValidationError naming the field (`payload.command`, `payload.url`...)
 */
export function checkBuiltInPayload(executor: string, payload: Json): void {
  if (executor === 'process') parseProcessPayload(payload);
  else if (executor === 'http') parseHttpPayload(payload);
}

/** Environment variables of the node that commands of the `process` executor do not inherit. */
const NODE_SECRETS = ['ROOKERY_DB', 'ROOKERY_DB_FILE', 'ROOKERY_HTTP_SECRET'];

/** Settings of the built-in executors of `rookery node`. */
export interface BuiltInExecutorSettings {
  /** The built-in executors this node offers (`--builtin`). */
  enabled: readonly BuiltInExecutorName[];
  /** `process`: ms between SIGTERM and SIGKILL of an aborted task's process group. */
  killGraceMs: number;
  /** `process`: the only programs commands may name (`--allow-command`), or null for any. */
  allowCommands: readonly string[] | null;
  /** `process`: whether `shell: true` payloads run (`--allow-shell`). */
  allowShell: boolean;
  /** The node's lease and trust margin, which the kill grace must fit into. */
  timings: Pick<NodeTimings, 'leaseMs' | 'trustMarginMs'>;
  /** `http`: longest a call may take, in ms. */
  httpTimeoutMs: number;
  /** `http`: the signing secret, if any (`ROOKERY_HTTP_SECRET`). */
  httpSecret: string | undefined;
  /** `http`: the only origins calls may go to (`--http-allow`); any when absent. */
  httpAllowedOrigins?: readonly string[];
  /** The node's environment; commands of `process` start from it without {@link NODE_SECRETS}. */
  env: Readonly<Record<string, string | undefined>>;
  /** Reports an unexpected error of an executor (to the node's `generalError`). */
  onError: (error: Error, taskId: string) => void;
}

/**
 * The built-in executors a node offers, of {@link BUILT_IN_EXECUTORS}: `http` (signing its
 * calls when a secret is set) and `process` (whose commands get the node's environment without
 * the database URL and the HTTP secret, limited to `allowCommands` when given, shell lines
 * only with `allowShell`).
 *
 * @param settings - see {@link BuiltInExecutorSettings}
 * @throws ValidationError naming `allow-command` or `allow-shell` without `process`, or
 * `kill-grace` when the kill grace does not fit into the lease (lease − trust margin)
 */
export function builtInExecutors(settings: BuiltInExecutorSettings): Executor[] {
  const withProcess = settings.enabled.includes('process');
  if (!withProcess && settings.allowCommands !== null)
    throw new ValidationError('allow-command', 'applies to the process executor: add --builtin process');
  if (!withProcess && settings.allowShell)
    throw new ValidationError('allow-shell', 'applies to the process executor: add --builtin process');
  const executors: Executor[] = [];
  if (settings.enabled.includes('http')) {
    executors.push(
      httpExecutor({
        timeoutMs: settings.httpTimeoutMs,
        ...(settings.httpSecret ? { secret: settings.httpSecret } : {}),
        ...(settings.httpAllowedOrigins ? { allowedOrigins: settings.httpAllowedOrigins } : {}),
      }),
    );
  }
  if (withProcess) {
    const env = Object.fromEntries(Object.entries(settings.env).filter(([name]) => !NODE_SECRETS.includes(name)));
    const executor = processExecutor({
      killGraceMs: settings.killGraceMs,
      env,
      onError: settings.onError,
      allowCommands:
        settings.allowCommands?.map((path, i) => {
          if (!path.startsWith('/'))
            throw new ValidationError('allow-command', `must be an absolute path, got '${path}' (number ${i + 1})`);
          return path;
        }) ?? null,
      allowShell: settings.allowShell,
    });
    const max = maxAbortGraceMs(settings.timings);
    const slack = (executor.abortGraceMs ?? 0) - settings.killGraceMs;
    if ((executor.abortGraceMs ?? 0) > max) {
      throw new ValidationError(
        'kill-grace',
        `${settings.killGraceMs} ms does not fit into the lease: an aborted task's group must be gone before the lease (${settings.timings.leaseMs} ms, less its trust margin ${settings.timings.trustMarginMs} ms) can expire, so the kill grace may be at most ${max - slack} ms; shorten --kill-grace or lengthen --lease-ms`,
      );
    }
    executors.push(executor);
  }
  return executors;
}
