#!/usr/bin/env node
/**
 * `npm run bench`: starts a cluster of `rookery node` processes on a fresh database, runs one
 * workload through the recording no-op executor and prints throughput, start lateness, cost
 * and correctness figures as one table (and as JSON with `--json`); with `--compare`, runs the
 * same workload on pg-boss, graphile-worker and BullMQ too and prints them side by side. See
 * bench/README.md.
 *
 * @packageDocumentation
 */
import { startBusyLoops } from './busy-loops.js';
import { comparisonTable, formatComparison } from './compare-table.js';
import { parseBenchOptions, USAGE } from './options.js';
import { PEER_NAMES } from './peers/peer.js';
import type { PeerResult } from './peers/peer-result.js';
import { runPeer } from './peers/run-peer.js';
import { PEERS } from './peers/systems.js';
import { runBench } from './run.js';
import { formatTable, resultRows } from './table.js';

async function main(): Promise<number> {
  const options = parseBenchOptions(process.argv.slice(2));
  if (!options) {
    console.log(USAGE);
    return 0;
  }
  const progress = (line: string): void => console.error(`bench: ${line}`);
  const busy = startBusyLoops(options.busy);
  if (options.busy > 0) progress(`${options.busy} busy loop(s) running beside the run (pids ${busy.pids.join(', ')})`);
  try {
    const result = await runBench(options, progress);
    console.log(formatTable(resultRows(result)));
    const peers: PeerResult[] = [];
    if (options.compare) {
      for (const name of PEER_NAMES) {
        progress(`${name}: ${options.workload}`);
        const peer = await runPeer(
          PEERS[name],
          options,
          { postgres: options.peerPostgres, redis: options.peerRedis },
          progress,
        );
        if (peer.skipped !== null) progress(`${name}: skipped: ${peer.skipped}`);
        peers.push(peer);
      }
      console.log(`\n${formatComparison(comparisonTable(result, peers))}`);
    }
    const json = options.compare ? { ...result, peers } : result;
    if (options.json)
      console.log(
        JSON.stringify(json, (_key, value: unknown) =>
          typeof value === 'number' && !Number.isFinite(value) ? null : value,
        ),
      );
    return result.lost + result.duplicated > 0 ? 1 : 0;
  } finally {
    await busy.stop();
  }
}

process.exitCode = await main();
