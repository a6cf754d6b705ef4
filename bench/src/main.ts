#!/usr/bin/env node
/**
 * `npm run bench`: starts a cluster of `rookery node` processes on a fresh database, runs one
 * workload through the recording no-op executor and prints throughput, start lateness, cost
 * and correctness figures as one table (and as JSON with `--json`). See bench/README.md.
 *
 * @packageDocumentation
 */
import { parseBenchOptions, USAGE } from './options.js';
import { runBench } from './run.js';
import { formatTable, resultRows } from './table.js';

async function main(): Promise<number> {
  const options = parseBenchOptions(process.argv.slice(2));
  if (!options) {
    console.log(USAGE);
    return 0;
  }
  const result = await runBench(options, (line) => console.error(`bench: ${line}`));
  console.log(formatTable(resultRows(result)));
  if (options.json) console.log(JSON.stringify(result, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value)));
  return result.lost + result.duplicated > 0 ? 1 : 0;
}

process.exitCode = await main();
