import type { Command } from 'commander';
import { ValidationError } from '@rookery/core';

/**
 * The command-line option that sets each field the library checks (node options, datastore
 * options, schedule inputs), by the field's dotted path or a prefix of it. The first entry
 * whose option the command has wins (`name` is `--name` for `job add`, `--rename` for `job update`).
 */
const OPTION_OF_FIELD: readonly (readonly [field: string, option: string])[] = [
  ['leaseMs', '--lease-ms'],
  ['peelLeaseMs', '--peel-lease-ms'],
  ['claimPaceMs', '--claim-pace-ms'],
  ['pollWaitsMs', '--poll-waits'],
  ['retention.historyMs', '--retention'],
  ['retention.nodesMs', '--node-retention'],
  ['retention.everyMs', '--prune-every'],
  ['poolMax', '--pool-max'],
  ['name', '--name'],
  ['name', '--rename'],
  ['executor', '--exec'],
  ['payload', '--payload'],
  ['trigger.expr', '--cron'],
  ['trigger.tz', '--tz'],
  ['trigger.everyMs', '--every'],
  ['trigger.at', '--at'],
  ['runAt', '--at'],
  ['keyScope', '--key-scope'],
  ['trigger.delayMs', '--after-run'],
  ['policies.duplicate', '--duplicate'],
  ['policies.misfire', '--misfire'],
  ['policies.retry.maxAttempts', '--retries'],
  ['policies.retry', '--backoff'],
  ['policies.timeoutMs', '--timeout'],
  ['policies.priority', '--priority'],
  ['clientId', '--client'],
  ['limit', '--limit'],
];

/** Whether `field` is `prefix` or a path below it. */
function within(field: string, prefix: string): boolean {
  return field === prefix || field.startsWith(`${prefix}.`) || field.startsWith(`${prefix}[`);
}

/**
 * A ValidationError from the library as the user of `command` gave the value: its field is
 * the option that set it (`leaseMs` → `--lease-ms`; a path below an option's field keeps the
 * path in brackets: `--payload (payload.command)`), and the CLI's own checks, named after
 * their option (`lease-ms`), get its dashes. A field no option of `command` sets (the
 * schedule's `state`, say) stays as it is.
 */
export function inOptionTerms(error: ValidationError, command: Command): ValidationError {
  const options = new Set(command.options.map((o) => o.long).filter((long): long is string => long !== undefined));
  const { field } = error;
  const reason = error.message.startsWith(`${field}: `) ? error.message.slice(field.length + 2) : error.message;
  let option: string | undefined;
  let label = field;
  if (options.has(`--${field}`)) {
    option = `--${field}`;
    label = option;
  } else {
    const found = OPTION_OF_FIELD.find(([prefix, long]) => options.has(long) && within(field, prefix));
    if (found) {
      option = found[1];
      label = field === found[0] ? option : `${option} (${field})`;
    }
  }
  if (option === undefined) return error;
  return new ValidationError(label, reason, { cause: error });
}
