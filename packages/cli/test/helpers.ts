import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/program.js';

/** What one in-process command line printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command line in-process, capturing its output. */
export async function cli(args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: {},
  });
  return { code, stdout, stderr };
}

/** Runs a command line that must print JSON and succeed; returns the parsed JSON. */
export async function cliJson<T = unknown>(args: string[]): Promise<T> {
  const r = await cli(args);
  if (r.code !== 0) throw new Error(`rookery ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** A database URL of a fresh SQLite file in a temp directory. */
export function freshDb(): string {
  return `sqlite:${join(mkdtempSync(join(tmpdir(), 'rookery-cli-test-')), 'test.db')}`;
}
