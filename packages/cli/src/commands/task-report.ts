import type { Command } from 'commander';
import { NotFoundError, ValidationError, type Json, type ReportedStatus, type Task } from '@rookery/core';
import { writeLine, type CliIo } from '../context.js';
import { addDbOption, dbUrlOf, withDatastore } from '../options/db.js';
import { taskJson, writeJson } from '../output/json.js';

/** Options of `rookery task report`, as commander hands them over. */
export interface TaskReportOptions {
  /** `--execution`: the execution the report is about. */
  execution: string;
  /** `--completed`. */
  completed?: boolean;
  /** `--result`: JSON result of a completed execution. */
  result?: string;
  /** `--failed`: the error of a failed execution. */
  failed?: string;
  /** `--retryable`: the failure may be retried. */
  retryable?: boolean;
}

/** A report the datastore refused: the task does not run that execution (any more). */
export class ReportRefusedError extends Error {
  /**
   * @param message - why, naming the task's state and current execution
   */
  constructor(message: string) {
    super(message);
    this.name = 'ReportRefusedError';
  }
}

/**
 * The reported outcome `opts` describe: `--completed [--result JSON]` or
 * `--failed ERROR [--retryable]`, exactly one of them.
 *
 * @throws ValidationError naming `completed`, `result` or `retryable` for a contradiction, or `result` for invalid JSON
 */
export function parseReport(opts: TaskReportOptions): ReportedStatus {
  if ((opts.completed === true) === (opts.failed !== undefined)) {
    throw new ValidationError('completed', 'give exactly one of --completed and --failed ERROR');
  }
  if (opts.failed !== undefined) {
    if (opts.result !== undefined) throw new ValidationError('result', '--result goes with --completed, not --failed');
    if (!opts.failed.trim()) throw new ValidationError('failed', 'the error must not be empty');
    return { state: 'failed', error: opts.failed, retryable: opts.retryable === true };
  }
  if (opts.retryable) throw new ValidationError('retryable', '--retryable goes with --failed');
  if (opts.result === undefined) return { state: 'completed', result: null };
  try {
    return { state: 'completed', result: JSON.parse(opts.result) as Json };
  } catch (err) {
    throw new ValidationError('result', `not valid JSON: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

/** Why a report about `executionId` does not fit `task`. */
function refusal(task: Task, executionId: string): string {
  const of = `task ${task.id}`;
  if (task.state !== 'running') return `${of} is ${task.state}, not running: nothing to report to`;
  if (task.executionId === null) return `${of} has no external execution (yet)`;
  if (task.executionId !== executionId) return `${of} runs execution ${task.executionId}, not ${executionId}`;
  return `${of}: an outcome of execution ${executionId} was reported already`;
}

/**
 * Registers `rookery task report ID --execution EXEC (--completed [--result JSON] | --failed
 * ERROR [--retryable])`: an external framework reports the outcome of an execution from
 * outside any node. It is stored only while the task runs that very execution, and the task's
 * lease holder commits it (or whoever adopts the task, if its node died); a report about any
 * other execution is refused with exit code 1.
 *
 * @param task - the `task` command
 * @param io - where to write
 */
export function registerTaskReportCommand(task: Command, io: CliIo): void {
  addDbOption(
    task
      .command('report')
      .argument('<id>', 'task id')
      .description(
        "report the outcome of a task's external execution (refused unless it is the task's current execution)",
      )
      .requiredOption('--execution <id>', 'the execution the report is about')
      .option('--completed', 'the execution completed')
      .option('--result <json>', 'with --completed: its JSON result')
      .option('--failed <error>', 'the execution failed with this error')
      .option('--retryable', "with --failed: the schedule's retry policy may run it again (default: failed for good)")
      .option('--json', 'print the task as JSON'),
  ).action(async (id: string, opts: TaskReportOptions & { json?: boolean }, cmd: Command) => {
    const status = parseReport(opts);
    await withDatastore(dbUrlOf(cmd, io.env), async (store) => {
      const stored = await store.taskReportExecution({ taskId: id, executionId: opts.execution, status });
      if (!stored) {
        const current = await store.taskGet(id);
        if (!current) throw new NotFoundError('task', id);
        throw new ReportRefusedError(`report refused: ${refusal(current, opts.execution)}`);
      }
      if (opts.json) writeJson(io.stdout, taskJson(stored));
      else
        writeLine(
          io.stdout,
          `task ${id}: ${status.state} reported for execution ${opts.execution}; the node holding the task commits it`,
        );
    });
  });
}
