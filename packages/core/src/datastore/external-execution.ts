import type { ExternalStatus } from '../executor/executor.js';
import type { Task } from '../model/task.js';
import type { ClockParams } from './clock-params.js';

/**
 * Input of `Datastore.taskSetExecution`: records the id of the external execution an attempt
 * handed its work to, under that attempt's lease.
 */
export interface TaskSetExecutionParams extends ClockParams {
  /** Task id. */
  taskId: string;
  /** Lease owner of the attempt. */
  owner: string;
  /** Fence of the attempt's claim. */
  fence: number;
  /** Id of the execution in the external system. */
  executionId: string;
}

/**
 * Input of `Datastore.taskHandOver`: a stopping node ends its lease on a running task whose
 * external execution goes on, so that another node adopts it at once.
 */
export interface TaskHandOverParams extends ClockParams {
  /** Task id. */
  taskId: string;
  /** Lease owner of the attempt. */
  owner: string;
  /** Fence of the attempt's claim. */
  fence: number;
}

/**
 * Input of `Datastore.taskAdoptExpired`: takes over running tasks whose lease expired while
 * their external execution went on, so that the adopting node asks the framework for the
 * outcome instead of starting a second execution.
 */
export interface TaskAdoptExpiredParams extends ClockParams {
  /** Lease owner of the adopting node. */
  owner: string;
  /** Adopting node id, recorded on the task and in its events. */
  nodeId: string;
  /** Only tasks of these executors (the ones this node can ask `status()` of). */
  executors: string[];
  /** At most this many tasks. */
  limit: number;
  /** Length of the new lease. */
  leaseMs: number;
}

/** An external execution outcome reported from outside the node (`rookery task report`). */
export type ReportedStatus = Exclude<ExternalStatus, { state: 'running' }>;

/** A task taken over by `Datastore.taskAdoptExpired`. */
export interface AdoptedTask {
  /** The task, still `running`, now under the adopting node's lease with fence + 1. */
  task: Task;
  /** The lease owner whose lease had expired. */
  previousOwner: string | null;
  /** An outcome reported for the execution while no node held it, or null. */
  report: ReportedStatus | null;
}

/** Input of `Datastore.taskReportExecution`. */
export interface TaskReportExecutionParams extends ClockParams {
  /** Task id. */
  taskId: string;
  /** The execution the report is about; it must be the task's current one. */
  executionId: string;
  /** The outcome. */
  status: ReportedStatus;
}

/** An outcome stored by `Datastore.taskReportExecution`, handed to the lease holder on renewal. */
export interface ExecutionReport {
  /** Task id. */
  taskId: string;
  /** The execution it is about. */
  executionId: string;
  /** The outcome. */
  status: ReportedStatus;
}
