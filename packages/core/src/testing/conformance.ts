import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe } from 'vitest';
import type { Datastore } from '../datastore/datastore.js';
import type { DatastoreTestHooks } from '../datastore/test-hooks.js';
import { describeCancel } from './conformance/cancel.js';
import { describeClock } from './conformance/clock.js';
import { describeDuplicateQueue } from './conformance/duplicate-queue.js';
import { describeDuplicateReplace } from './conformance/duplicate-replace.js';
import { describeDuplicateSkip } from './conformance/duplicate-skip.js';
import { describeExternalExecutions } from './conformance/external-executions.js';
import { describeBatches } from './conformance/batches.js';
import { describeFinish } from './conformance/finish.js';
import { describeFinishAndClaim } from './conformance/finish-and-claim.js';
import { describeGates } from './conformance/gates.js';
import { describeJobKeyLocks } from './conformance/job-key-locks.js';
import { describeJobs } from './conformance/jobs.js';
import { describeListPaging } from './conformance/list-paging.js';
import { describeTraceContext } from './conformance/trace-context.js';
import { describeNodes } from './conformance/nodes.js';
import { describeOnceDone } from './conformance/once-done.js';
import { describeOperatorActions } from './conformance/operator-actions.js';
import { describeRetention } from './conformance/retention.js';
import { describeScheduleSync } from './conformance/schedule-sync.js';
import { describeScheduleUpdate } from './conformance/schedule-update.js';
import { describeScheduleWithdrawal } from './conformance/schedule-withdrawal.js';
import { describePeel } from './conformance/peel.js';
import { describeRateLimits } from './conformance/rate-limits.js';
import { describeReadArguments } from './conformance/read-arguments.js';
import { describeRenew } from './conformance/renew.js';
import { describeRepair } from './conformance/repair.js';
import { describeScheduleBulk } from './conformance/schedule-bulk.js';
import { describeScheduleClaims } from './conformance/schedule-claims.js';
import { describeScheduleValidation } from './conformance/schedule-validation.js';
import { describeSchedules } from './conformance/schedules.js';
import { describeTaskClaims } from './conformance/task-claims.js';
import { describeTaskLogs } from './conformance/task-logs.js';
import { describeTaskReads } from './conformance/task-reads.js';
import { describeUnresolved } from './conformance/unresolved.js';
import { createConformanceContext } from './fixtures.js';

/** A store under test and how to dispose of it. */
export interface ConformanceStore {
  /** An empty, ready (migrated) store. */
  store: Datastore;
  /** Closes the store and removes whatever it created. */
  cleanup(): Promise<void>;
}

/** Options of {@link describeDatastoreConformance}. */
export interface ConformanceOptions {
  /**
   * The store's clock follows the real clock, so `clockNow()` must be within 5 s of
   * `Date.now()`. Turn off for a store built on a fake clock.
   * @defaultValue true
   */
  realClock?: boolean;
}

/**
 * Registers one conformance suite for a {@link Datastore}: every store (in-memory, each SQL
 * dialect) runs it. `makeStore` is called before each test and must return an empty, ready
 * store that calls `hooks` (the test sets them; a store that ignores them fails the tests that
 * pin an interleaving with them); `cleanup` runs after it. Tests pin `now` except where they check the store's own
 * clock. Grouped by noun: clock, schedules, schedule bulk create, schedule claims, schedule validation, peel, task claims, duplicate
 * `skip`, `replace` and `queue`, renew, finish, repair, external executions, gates, cancel, task reads, read arguments, task logs, nodes, retention, schedule update, schedule withdrawal, schedule sync through the client, unresolved tasks, jobs, list paging, once schedules ending, operator actions (one file each under
 * `conformance/`).
 *
 * @example
 * ```ts
 * describeDatastoreConformance('memory', async (hooks) => {
 *   const store = new MemoryDatastore({ testHooks: hooks });
 *   return { store, cleanup: () => store.close() };
 * });
 * ```
 */
export function describeDatastoreConformance(
  name: string,
  makeStore: (hooks: DatastoreTestHooks) => Promise<ConformanceStore>,
  options: ConformanceOptions = {},
): void {
  describe(`datastore conformance: ${name}`, () => {
    let handle: ConformanceStore;
    let store: Datastore;
    let t0: number;
    let exec: string;
    let hooks: DatastoreTestHooks;

    beforeEach(async () => {
      hooks = {};
      handle = await makeStore(hooks);
      store = handle.store;
      t0 = await store.clockNow();
      exec = `exec-${randomUUID().slice(0, 8)}`;
    });

    afterEach(async () => {
      await handle.cleanup();
    });

    const ctx = createConformanceContext(
      {
        get store() {
          return store;
        },
        get t0() {
          return t0;
        },
        get exec() {
          return exec;
        },
        get hooks() {
          return hooks;
        },
      },
      options.realClock !== false,
    );

    describeClock(ctx);
    describeSchedules(ctx);
    describeScheduleBulk(ctx);
    describeScheduleClaims(ctx);
    describeScheduleValidation(ctx);
    describePeel(ctx);
    describeTaskClaims(ctx);
    describeDuplicateSkip(ctx);
    describeDuplicateReplace(ctx);
    describeDuplicateQueue(ctx);
    describeRenew(ctx);
    describeFinish(ctx);
    describeBatches(ctx);
    describeFinishAndClaim(ctx);
    describeRepair(ctx);
    describeExternalExecutions(ctx);
    describeGates(ctx);
    describeCancel(ctx);
    describeRateLimits(ctx);
    describeTaskReads(ctx);
    describeReadArguments(ctx);
    describeTaskLogs(ctx);
    describeNodes(ctx);
    describeOnceDone(ctx);
    describeOperatorActions(ctx);
    describeRetention(ctx);
    describeScheduleUpdate(ctx);
    describeScheduleWithdrawal(ctx);
    describeScheduleSync(ctx);
    describeUnresolved(ctx);
    describeJobs(ctx);
    describeListPaging(ctx);
    describeJobKeyLocks(ctx);
    describeTraceContext(ctx);
  });
}
