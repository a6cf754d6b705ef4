import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import { runDemo } from '../demo/run-demo.js';
import { addDbOption } from '../options/db.js';
import { parseDuration, parseInteger } from '../options/duration.js';

/**
 * Registers `rookery demo`: a three-node cluster on a fresh SQLite file, one node killed
 * part-way, and a check that nothing was lost or run twice, with the dashboard serving on
 * loopback meanwhile. Exits 1 if the check fails.
 */
export function registerDemoCommand(program: Command, io: CliIo): void {
  addDbOption(
    program
      .command('demo')
      .description(
        'run three nodes on a fresh SQLite file, kill one, and check that nothing was lost or doubled (~35 s), with the dashboard serving meanwhile',
      )
      .option('--duration <duration>', 'how long the cluster runs', '25s')
      .option('--port <port>', 'TCP port of the dashboard and the HTTP API on 127.0.0.1 (0: any free port)', '0'),
  ).action(async (opts: { duration: string; port: string; db?: string }, cmd: Command) => {
    const durationMs = parseDuration('duration', opts.duration);
    const dashboardPort = parseInteger('port', opts.port, 0, 65_535);
    const db: unknown = cmd.optsWithGlobals().db;
    const code = await runDemo(io, { durationMs, dashboardPort, ...(typeof db === 'string' ? { dbUrl: db } : {}) });
    if (code !== 0)
      throw new Error('demo: the history check found a violation or a node did not stop cleanly (see above)');
  });
}
