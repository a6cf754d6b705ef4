/**
 * Test helpers for datastore implementers: the one conformance suite every Rookery datastore
 * runs, and fixture factories with defaults. Imports `vitest` (an optional peer dependency of
 * `@rookery/core`): use this subpath from test files only.
 *
 * @example
 * ```ts
 * import { describeDatastoreConformance } from '@rookery/core/testing';
 * import { createSqlDatastore } from '@rookery/datastore-sql';
 *
 * describeDatastoreConformance('sqlite', async () => {
 *   const store = await createSqlDatastore({ url: 'sqlite::memory:' });
 *   return { store, cleanup: () => store.close() };
 * });
 * ```
 * @packageDocumentation
 */
export { describeDatastoreConformance, type ConformanceOptions, type ConformanceStore } from './conformance.js';
export { FIXTURE_EPOCH, makeNewTask, makePolicies, makeSchedule, TRICKY_PAYLOAD } from './fixtures.js';
export { schedulePeelOne, taskFinishOne, type SchedulePeelOneParams, type TaskFinishOneParams } from './one-of-many.js';
