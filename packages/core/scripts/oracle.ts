/**
 * `npm run oracle -- --runs N [--seed S]`: the trigger oracle of
 * `test/trigger/oracle` over many more cases than the unit test runs, against the built
 * `@rookery/core`. Prints the seed and the number of cases compared; exits 1 on a difference,
 * printing the smallest counterexample fast-check found, and 2 on bad arguments.
 */
import { randomInt } from 'node:crypto';
import fc from 'fast-check';
import { fireTimesBetween, nextFireTime, validateTrigger } from '@rookery/core';
import { oracleProperty, type OracleCounts } from '../test/trigger/oracle/oracle.js';

function usage(message: string): never {
  console.error(`${message}\nusage: npm run oracle -- --runs N [--seed S]`);
  process.exit(2);
}

function readArgs(argv: string[]): { runs: number; seed: number } {
  let runs = 10_000;
  let seed = randomInt(0, 2 ** 31 - 1);
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const n = Number(value);
    if (value === undefined || !Number.isSafeInteger(n)) usage(`${flag ?? ''} needs a whole number`);
    if (flag === '--runs' && n >= 1) runs = n;
    else if (flag === '--seed') seed = n;
    else usage(`unknown or invalid argument ${flag ?? ''} ${value}`);
  }
  return { runs, seed };
}

const { runs, seed } = readArgs(process.argv.slice(2));
console.log(`oracle: seed ${seed}, ${runs} runs`);
const counts: OracleCounts = { cron: 0, interval: 0, once: 0 };
const started = performance.now();
const result = fc.check(oracleProperty({ nextFireTime, fireTimesBetween, validateTrigger }, counts), {
  numRuns: runs,
  seed,
});
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const compared = counts.cron + counts.interval + counts.once;
console.log(
  `oracle: ${compared} cases compared (cron ${counts.cron}, interval ${counts.interval}, once ${counts.once}) in ${seconds} s`,
);
if (result.failed) {
  console.error(fc.defaultReportMessage(result));
  console.error(
    `difference: ${result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance)}`,
  );
  process.exit(1);
}
console.log(`oracle: no difference in ${result.numRuns} runs (seed ${seed})`);
