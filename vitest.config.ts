import { defineConfig } from 'vitest/config';

// Two projects: `unit` (every package's tests, files in parallel) and `integration` (real
// multi-process clusters; one file at a time, so the clusters have the machine's cores to
// themselves). `npm test` runs them one after the other.
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Under CI every test is listed by name, so the log shows which dialects each suite ran on.
    reporters: process.env['CI'] === 'true' ? ['verbose'] : ['default'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['packages/*/test/**/*.test.ts'] } },
      { extends: true, test: { name: 'integration', include: ['test-integration/test/**/*.test.ts'], fileParallelism: false } },
    ],
  },
});
