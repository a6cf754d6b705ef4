#!/usr/bin/env node
/**
 * The `rookery` executable: runs the command line and sets the exit code (0 ok, 1 failure,
 * 2 bad input).
 * @packageDocumentation
 */
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
process.exitCode = code;
// a driver that keeps a socket open must not keep a finished command alive
setTimeout(() => process.exit(code), 3_000).unref();
