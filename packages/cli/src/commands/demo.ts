import type { Command } from 'commander';
import type { CliIo } from '../context.js';
import { runDemo } from '../demo/run-demo.js';
import { addDbOption } from '../options/db.js';
import { parseDuration } from '../options/duration.js';

/**
 * Registers `rookery demo`: a three-node cluster on a fresh SQLite file, one node killed
 * part-way, and a check that nothing was lost or run twice. Exits 1 if the check fails.
 */
export function registerDemoCommand(program: Command, io: CliIo): void {
  addDbOption(
    program
      .command('demo')
      .description('run three nodes on a fresh SQLite file, kill one, and check that nothing was lost or doubled (~35 s)')
      .option('--duration <duration>', 'how long the cluster runs', '25s'),
  ).action(async (opts: { duration: string; db?: string }, cmd: Command) => {
    const durationMs = parseDuration('duration', opts.duration);
    const db: unknown = cmd.optsWithGlobals().db;
    const code = await runDemo(io, { durationMs, ...(typeof db === 'string' ? { dbUrl: db } : {}) });
    if (code !== 0) throw new Error('demo: the history check found a violation or a node did not stop cleanly (see above)');
  });
}
