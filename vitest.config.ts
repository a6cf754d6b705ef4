import { defineConfig } from 'vitest/config';

// Projects: `unit` (every package's tests and the bench's, files in parallel) and `integration` (real
// multi-process clusters; one file at a time, so the clusters have the machine's cores to
// themselves), which `npm test` runs one after the other; and `chaos`, the fault suite's long
// profile, run only by `npm run chaos`.
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Under CI every test is listed by name, so the log shows which dialects each suite ran on.
    reporters: process.env['CI'] === 'true' ? ['verbose'] : ['default'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['packages/*/test/**/*.test.ts', 'bench/test/**/*.test.ts'] } },
      {
        extends: true,
        test: { name: 'integration', include: ['test-integration/test/**/*.test.ts'], fileParallelism: false },
      },
      // The fault suite's long profile: only through `npm run chaos -- --minutes N`.
      {
        extends: true,
        test: { name: 'chaos', include: ['test-integration/chaos/**/*.test.ts'], fileParallelism: false },
      },
    ],
  },
});
