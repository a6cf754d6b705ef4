/**
 * Test helpers: for datastore implementers, the one conformance suite every Rookery datastore
 * runs and fixture factories with defaults; for tests of a node, small in-process doubles of
 * the parts other packages provide (an event bus, a worker pool, function executors). Imports
 * `vitest` (an optional peer dependency of `@rookery/core`): use this subpath from test files
 * only.
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
export { createTestEventBus, TestEventBus } from './doubles/test-event-bus.js';
export { testExecutors, type TestExecutorModule, type TestTaskFunction } from './doubles/test-executors.js';
export { TestWorkerPool, type TestWorkerPoolOptions } from './doubles/test-worker-pool.js';
export { waitForEvent } from './doubles/wait-for-event.js';
export { schedulePeelOne, taskFinishOne, type SchedulePeelOneParams, type TaskFinishOneParams } from './one-of-many.js';
