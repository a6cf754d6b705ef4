/**
 * The `rookery` command line as a library: build the program, or run a command line
 * in-process with your own output streams.
 *
 * @example
 * ```ts
 * import { runCli } from '@rookery/cli';
 *
 * const out: string[] = [];
 * const code = await runCli(['job', 'ls', '--json', '--db', 'sqlite:./rookery.db'], {
 *   stdout: { write: (s) => out.push(s) },
 *   stderr: process.stderr,
 * });
 * ```
 * @packageDocumentation
 */
export { createProgram, runCli, exitCodeOf, EXIT } from './program.js';
export type { CliIo, TextSink } from './context.js';
export { parseDuration, formatDuration } from './options/duration.js';
export { parseJobOptions, type JobAddOptions } from './options/parse-job-options.js';
export { DEFAULT_DB_URL, resolveDbUrl } from './options/db.js';
export type { EventLine } from './output/event-line.js';
