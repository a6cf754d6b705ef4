#!/usr/bin/env node
// `npm run chaos -- --minutes N [--db sqlite,postgres,mariadb] [--nemesis mixed] [--seed S]`:
// the fault suite's long profile. Runs the nemesis for N minutes on each database, prints the
// history checker's table per database, and exits non-zero on any violation.
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const usage = 'usage: npm run chaos -- --minutes N [--db sqlite,postgres,mariadb] [--nemesis NAME] [--seed S]';
let values;
try {
  ({ values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      db: { type: 'string', default: 'sqlite,postgres,mariadb' },
      nemesis: { type: 'string', default: 'mixed' },
      seed: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (error) {
  console.error(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const minutes = Number(values.minutes);
if (!(minutes > 0)) {
  console.error(`--minutes must be a positive number, got '${values.minutes}'\n${usage}`);
  process.exit(2);
}
const seed = values.seed ?? String(Date.now() % 1_000_000);
if (!/^\d+$/.test(seed)) {
  console.error(`--seed must be a whole number, got '${seed}'\n${usage}`);
  process.exit(2);
}
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// The nodes run the built CLI: build first (quick when nothing changed).
const build = spawnSync(process.execPath, [resolve(root, 'node_modules/typescript/bin/tsc'), '-b'], {
  cwd: root,
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);
const vitest = resolve(root, 'node_modules/vitest/vitest.mjs');
const result = spawnSync(process.execPath, [vitest, 'run', '--project', 'chaos', '--reporter', 'verbose'], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    ROOKERY_CHAOS_MINUTES: String(minutes),
    ROOKERY_CHAOS_NEMESIS: values.nemesis,
    ROOKERY_NEMESIS_SEED: seed,
    ROOKERY_TEST_DIALECTS: values.db,
  },
});
process.exit(result.status ?? 1);
