import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { ValidationError, type Json, type ScheduleInput } from '@rookery/core';
import { parse as parseYaml } from 'yaml';

/** A file of schedules as read: the inputs, and how the file names its list in field paths. */
export interface ScheduleFile {
  /** The file's path, as given. */
  path: string;
  /** The schedules, in file order, as the client's `ScheduleInput` (checked by the client). */
  schedules: ScheduleInput[];
  /** `schedules` for a file of the form `{ schedules: [...] }`, `` for a bare list. */
  listField: string;
}

/**
 * Reads a JSON or YAML file of schedules (a `.json` file as JSON, anything else as YAML, of
 * which JSON is a subset): either `{ schedules: [ ... ] }` or a bare list, each item a
 * schedule as the client's `ScheduleInput` has it (`name`, `executor`, `payload`, `trigger`,
 * `startAt`, `endAt`, `policies`, `paused`). The items themselves are checked by the client.
 *
 * @throws ValidationError naming the file (and the field, `schedules[2]`) when it cannot be
 * read or parsed or has another shape
 */
export function readScheduleFile(path: string): ScheduleFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ValidationError(
      'file',
      `cannot read '${path}': ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
  let doc: unknown;
  try {
    doc = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (cause) {
    throw new ValidationError(
      path,
      `not valid ${extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
  const wrapped = typeof doc === 'object' && doc !== null && !Array.isArray(doc);
  if (wrapped) {
    const extra = Object.keys(doc as Record<string, unknown>).filter((k) => k !== 'schedules');
    if (extra.length > 0)
      throw new ValidationError(
        `${path}: ${extra[0] ?? ''}`,
        "unknown field: a file of schedules holds 'schedules', a list",
      );
  }
  const list: unknown = wrapped ? (doc as Record<string, unknown>)['schedules'] : doc;
  const listField = wrapped ? 'schedules' : '';
  if (!Array.isArray(list))
    throw new ValidationError(
      `${path}: ${listField || '(file)'}`,
      'must be a list of schedules (or an object whose `schedules` is one)',
    );
  for (const [i, item] of list.entries()) {
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw new ValidationError(`${path}: ${listField}[${i}]`, 'must be an object: a schedule');
  }
  return { path, schedules: list as ScheduleInput[], listField };
}

/**
 * A client's ValidationError about the inputs of a file (field `[2].trigger.expr`) as one
 * about the file: `jobs.yaml: schedules[2].trigger.expr`. Any other error as it is.
 */
export function inFileTerms(file: ScheduleFile, error: unknown): unknown {
  if (!(error instanceof ValidationError) || !error.field.startsWith('[')) return error;
  return new ValidationError(
    `${file.path}: ${file.listField}${error.field}`,
    error.message.slice(error.field.length + 2),
    { cause: error },
  );
}

/** Runs `check` on each schedule's executor and payload, naming a refusal by its index (`[2].payload.command`). */
export function checkEachPayload(file: ScheduleFile, check: (executor: string, payload: Json) => void): void {
  for (const [i, s] of file.schedules.entries()) {
    try {
      if (typeof s.executor === 'string') check(s.executor, s.payload ?? null);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      throw inFileTerms(
        file,
        new ValidationError(`[${i}].${error.field}`, error.message.slice(error.field.length + 2), { cause: error }),
      );
    }
  }
}
