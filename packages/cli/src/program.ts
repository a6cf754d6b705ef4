import { Command, CommanderError } from 'commander';
import { DuplicateKeyError, ValidationError } from '@rookery/core';
import type { CliIo } from './context.js';
import { writeLine } from './context.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerJobCommands } from './commands/job.js';
import { registerMigrateCommand } from './commands/migrate.js';
import { registerNodeCommand } from './commands/node.js';
import { registerNodesCommand } from './commands/nodes.js';
import { registerPruneCommand } from './commands/prune.js';
import { registerServeCommand } from './commands/serve.js';
import { registerTaskCommands } from './commands/task.js';
import { addDbOption } from './options/db.js';
import { terminalSafe } from './output/terminal-text.js';
import { inOptionTerms } from './options/option-names.js';

/** Exit codes of the `rookery` command. */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** Any failure other than bad input: database unreachable, not found, a violation found by the demo. */
  failure: 1,
  /** Bad input: an invalid option or schedule; nothing was written. */
  badInput: 2,
} as const;

/**
 * Builds the `rookery` program. Output goes to `io`, never to the process streams, and
 * commander never exits the process, so a test can run commands in-process. A program parses
 * once: build a new one per command line.
 *
 * @param io - where to write
 * @example
 * ```ts
 * const program = createProgram({ stdout: process.stdout, stderr: process.stderr });
 * await program.parseAsync(['job', 'ls', '--json'], { from: 'user' });
 * ```
 */
export function createProgram(io: CliIo): Command {
  const program = new Command('rookery')
    .description('Rookery: a distributed job scheduler on one shared SQL database.')
    .version('0.1.0')
    .exitOverride()
    .showSuggestionAfterError(false)
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(`${oneLine(s)}\n`),
    });
  addDbOption(program);
  registerMigrateCommand(program, io);
  registerNodeCommand(program, io);
  registerJobCommands(program, io);
  registerTaskCommands(program, io);
  registerNodesCommand(program, io);
  registerPruneCommand(program, io);
  registerServeCommand(program, io);
  registerDemoCommand(program, io);
  const inherit = (cmd: Command): void => {
    cmd.exitOverride().configureOutput(program.configureOutput()).showSuggestionAfterError(false);
    cmd.commands.forEach(inherit);
  };
  program.commands.forEach(inherit);
  return program;
}

/**
 * The exit code for an error a command threw: {@link EXIT}.badInput for a `ValidationError`
 * (including an unknown executor), a `DuplicateKeyError` and a command-line usage error;
 * {@link EXIT}.failure for anything else.
 */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.ok;
    return EXIT.badInput;
  }
  if (err instanceof ValidationError || err instanceof DuplicateKeyError) return EXIT.badInput;
  return EXIT.failure;
}

/**
 * Runs one command line and returns its exit code. Errors are reported as one line on
 * `io.stderr`; nothing is thrown.
 *
 * @param argv - the arguments after the program name
 * @param io - where to write
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = createProgram(io);
  let ran: Command | undefined;
  program.hook('preAction', (_program, action) => {
    ran = action;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    // A refused value is named by the option that gave it, not by the library's field.
    const reported = err instanceof ValidationError && ran ? inOptionTerms(err, ran) : err;
    // commander has already written its own usage errors
    if (!(reported instanceof CommanderError))
      writeLine(io.stderr, `error: ${terminalSafe(oneLine(describe(reported)))}`);
    return exitCodeOf(reported);
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // a refusal already says what is wrong; a driver's cause ("Validation error") adds nothing
  if (err instanceof ValidationError || err instanceof DuplicateKeyError) return err.message;
  const cause = err.cause instanceof Error && !err.message.includes(err.cause.message) ? ` (${err.cause.message})` : '';
  return `${err.message}${cause}`;
}

/** Collapses a message onto one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
