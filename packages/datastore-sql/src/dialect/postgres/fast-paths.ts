import type { FastPaths } from '../fast-paths.js';
import { peelStatement, scheduleClaimStatement } from './schedules-claim-statement.js';
import { claimStatement } from './tasks-claim-statement.js';
import { enqueueStatement } from './tasks-enqueue-statement.js';
import { finishStatement } from './tasks-finish-statement.js';
import { finishAndClaimStatement } from './tasks-finish-and-claim-statement.js';

/** PostgreSQL's fast paths: each one statement of writable CTEs, prepared on a pooled `pg` connection. */
export const postgresFastPaths: FastPaths = {
  claimTasks: claimStatement,
  finishTasks: finishStatement,
  finishAndClaim: finishAndClaimStatement,
  enqueueJobs: enqueueStatement,
  claimSchedules: scheduleClaimStatement,
  peelSchedules: peelStatement,
};
