import { ValidationError } from '../errors/validation-error.js';

/**
 * Syntax checks of a cron expression that croner is lenient about or reports unclearly, with
 * messages that name the cron field (`minute field: 60 out of range 0-59`). Only the classic
 * grammar is accepted: per field a comma list of `*`, `n`, `a-b`, `*∕s`, `a-b∕s`; names for
 * months and weekdays. croner's extensions (`L`, `W`, `#`, `?`, `+`, year field) are refused.
 * SUN ending a weekday range means 7 (`MON-SUN`); a range from Sunday to SUN (`SUN-SUN`,
 * `0-SUN`) is refused as ambiguous.
 */

/** Longest accepted cron expression. */
export const MAX_CRON_LENGTH = 256;

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  /** Names accepted for values, the first meaning `nameBase`. */
  names?: readonly string[];
  nameBase?: number;
}

const SECOND: FieldSpec = { name: 'second', min: 0, max: 59 };
const FIVE: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
    nameBase: 1,
  },
  { name: 'day-of-week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'], nameBase: 0 },
];

/** Nicknames croner expands; `@reboot` is refused separately. */
const NICKNAMES = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

const ITEM = /^(?:\*|([0-9]+|[A-Z]{3})(?:-([0-9]+|[A-Z]{3}))?)(?:\/([0-9]+))?$/;

function value(token: string, spec: FieldSpec, isRangeEnd: boolean, fail: (m: string) => never): number {
  if (/^[0-9]+$/.test(token)) {
    const n = Number(token);
    if (n < spec.min || n > spec.max) fail(`${spec.name} field: ${token} out of range ${spec.min}-${spec.max}`);
    return n;
  }
  const index = spec.names?.indexOf(token) ?? -1;
  if (index < 0) fail(`${spec.name} field: unknown name '${token}'`);
  // SUN closing a range means 7 (MON-SUN), as in croner.
  if (spec.name === 'day-of-week' && index === 0 && isRangeEnd) return 7;
  return index + (spec.nameBase ?? 0);
}

function checkField(text: string, spec: FieldSpec, fail: (m: string) => never): void {
  const upper = text.toUpperCase();
  const odd = /[LW#?+]/.exec(upper.replace(/[A-Z]{3}/g, ''));
  if (odd !== null) fail(`${spec.name} field: unsupported token '${odd[0]}'`);
  for (const item of upper.split(',')) {
    if (item === '') fail(`${spec.name} field: empty list item`);
    const m = ITEM.exec(item);
    if (m === null) fail(`${spec.name} field: cannot read '${item}'`);
    const [, from, to, step] = m;
    if (from !== undefined) {
      const a = value(from, spec, false, fail);
      if (to !== undefined) {
        const b = value(to, spec, true, fail);
        if (a > b) fail(`${spec.name} field: reversed range ${from}-${to}`);
        // SUN ends a range as 7 (MON-SUN), so SUN-SUN would mean every day, not Sunday.
        if (spec.name === 'day-of-week' && a === 0 && to === 'SUN') {
          fail(
            `${spec.name} field: '${item}' is ambiguous (SUN ending a range means 7); write SUN for Sunday, or 0-6 for every day`,
          );
        }
      } else if (step !== undefined) {
        fail(`${spec.name} field: a step needs '*' or a range before it ('${item}')`);
      }
    }
    if (step !== undefined) {
      const s = Number(step);
      const width = spec.max - spec.min + 1;
      if (s === 0) fail(`${spec.name} field: step 0`);
      if (s > width) fail(`${spec.name} field: step ${step} is larger than the field's ${width} values`);
    }
  }
}

/**
 * Check the syntax of a cron expression and return it normalised (trimmed, single spaces,
 * nicknames lower-case). Throws {@link ValidationError} on `field`.
 *
 * @param input - the expression as given
 * @param field - dotted path for errors, such as `trigger.expr`
 */
export function checkCronSyntax(input: string, field: string): string {
  const fail = (message: string): never => {
    throw new ValidationError(field, message);
  };
  if (input.length > MAX_CRON_LENGTH) fail(`longer than ${MAX_CRON_LENGTH} characters`);
  if (/[\u0000-\u001f\u007f-\u009f]/.test(input)) fail('contains a control character or line break');
  if (/[^\u0020-\u007e]/.test(input)) fail('contains a non-ASCII character (only ASCII digits and names)');
  const expr = input.trim();
  if (expr === '') fail('is empty');
  if (expr.startsWith('@')) {
    const nick = expr.toLowerCase();
    if (nick === '@reboot') fail('@reboot is not supported: a cluster has no single boot');
    if (!NICKNAMES.has(nick)) fail(`unknown nickname '${expr}'`);
    return nick;
  }
  const parts = expr.split(/ +/);
  if (parts.length !== 5 && parts.length !== 6) {
    fail(`expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), got ${parts.length}`);
  }
  const specs = parts.length === 6 ? [SECOND, ...FIVE] : FIVE;
  parts.forEach((part, i) => checkField(part, specs[i] as FieldSpec, fail));
  return parts.join(' ');
}
