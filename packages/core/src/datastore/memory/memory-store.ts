import type { NodeRecord } from '../../model/node-record.js';
import { isTerminalTaskState, type Task, type TaskEvent } from '../../model/task.js';
import type {
  Datastore,
  HistoryPruneParams,
  NodeHeartbeatParams,
  NodePruneParams,
  NodeRegisterParams,
  NodeStopParams,
  TaskRequestCancelParams,
  RateLimit,
  RateLimitSetParams,
  TaskCancelRequest,
  TaskCancelRequestsParams,
  TaskListParams,
  TaskStats,
  TaskStatsParams,
  TaskLogAppendParams,
  TaskLogLine,
  TaskLogReadParams,
  TaskBacklogUnofferedParams,
  TaskSettleUnresolvedParams,
  UnofferedBacklog,
} from '../datastore.js';
import type {
  AdoptedTask,
  TaskAdoptExpiredParams,
  TaskHandOverParams,
  TaskReportExecutionParams,
  TaskSetExecutionParams,
} from '../external-execution.js';
import { taskList, taskStats } from './memory-reads.js';
import { checkIdArgument, checkTaskListParams, checkTaskLogReadParams, checkTaskStatsParams } from '../read-params.js';
import { executorsOfferedSince } from '../unresolved.js';
import { adoptReason, unresolvedReason } from '../ledger-reasons.js';
import { MemoryTaskLeases } from './memory-task-leases.js';
import { clone } from './memory-state.js';

/**
 * The in-memory datastore: one process, no persistence. For fast unit tests of core logic
 * only; it runs the same conformance suite as the SQL store. Each method runs to completion
 * without awaiting in between, so every method is atomic (a test hook, when one is set, is
 * awaited where it is named).
 */
export class MemoryDatastore extends MemoryTaskLeases implements Datastore {
  /** {@inheritDoc Datastore.clockNow} */
  async clockNow(): Promise<number> {
    return this.now();
  }

  /** {@inheritDoc Datastore.close} */
  async close(): Promise<void> {}

  /** {@inheritDoc Datastore.historyPrune} */
  async historyPrune(params: HistoryPruneParams): Promise<number> {
    const old = [...this.tasks.values()]
      .filter((t) => isTerminalTaskState(t.state) && t.endedAt !== null && t.endedAt < params.endedBefore)
      .sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0))
      .slice(0, params.limit);
    const gone = new Set(old.map((t) => t.id));
    for (const t of old) {
      this.tasks.delete(t.id);
      this.taskKeys.delete(`${t.scheduleId}/${t.fireAt}`);
      if (t.key !== null && this.jobKeys.get(t.key) === t.id) this.jobKeys.delete(t.key);
    }
    const kept = this.events.filter((e) => !gone.has(e.taskId));
    this.events.splice(0, this.events.length, ...kept);
    const keptLogs = this.logs.filter((l) => !gone.has(l.taskId));
    this.logs.splice(0, this.logs.length, ...keptLogs);
    return old.length;
  }

  /** {@inheritDoc Datastore.nodePrune} */
  async nodePrune(params: NodePruneParams): Promise<number> {
    let pruned = 0;
    for (const [id, n] of this.nodes) {
      if ((n.stoppedAt ?? n.heartbeatAt) < params.seenBefore) {
        this.nodes.delete(id);
        pruned += 1;
      }
    }
    return pruned;
  }

  /** {@inheritDoc Datastore.rateLimitSet} */
  async rateLimitSet(params: RateLimitSetParams): Promise<void> {
    const now = this.now(params);
    if (params.perSecond === null) {
      this.rateLimits.delete(params.executor);
      return;
    }
    const w = this.rateLimits.get(params.executor);
    this.rateLimits.set(params.executor, {
      perSecond: params.perSecond,
      windowStart: w?.windowStart ?? 0,
      windowCount: w?.windowCount ?? 0,
      setBy: params.setBy,
      updatedAt: now,
    });
  }

  /** {@inheritDoc Datastore.rateLimitList} */
  async rateLimitList(): Promise<RateLimit[]> {
    return [...this.rateLimits.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([executor, w]) => ({ executor, perSecond: w.perSecond, setBy: w.setBy, updatedAt: w.updatedAt }));
  }

  /** {@inheritDoc Datastore.taskSetExecution} */
  async taskSetExecution(params: TaskSetExecutionParams): Promise<boolean> {
    const now = this.now(params);
    const t = this.tasks.get(params.taskId);
    if (!this.holds(t, params.owner, params.fence, now)) return false;
    t.executionId = params.executionId;
    t.updatedAt = now;
    this.reports.delete(t.id);
    return true;
  }

  /** {@inheritDoc Datastore.taskAdoptExpired} */
  async taskAdoptExpired(params: TaskAdoptExpiredParams): Promise<AdoptedTask[]> {
    const now = this.now(params);
    const expired = [...this.tasks.values()]
      .filter(
        (t) =>
          t.state === 'running' &&
          t.executionId !== null &&
          params.executors.includes(t.executor) &&
          (t.leaseExpiresAt === null || t.leaseExpiresAt <= now),
      )
      .slice(0, params.limit);
    return expired.map((t) => {
      const previousOwner = t.leaseOwner;
      t.fence += 1;
      t.leaseOwner = params.owner;
      t.leaseExpiresAt = now + params.leaseMs;
      t.nodeId = params.nodeId;
      t.reason = adoptReason(previousOwner, t.executionId, params.nodeId);
      t.updatedAt = now;
      const slot = this.slots.get(t.scheduleId);
      if (slot?.taskId === t.id) slot.expiresAt = now + params.leaseMs;
      this.record(t, 'running', now, params.nodeId);
      const report = this.reports.get(t.id);
      return { task: clone(t), previousOwner, report: report ? clone(report.status) : null };
    });
  }

  /** {@inheritDoc Datastore.taskHandOver} */
  async taskHandOver(params: TaskHandOverParams): Promise<boolean> {
    const now = this.now(params);
    const t = this.tasks.get(params.taskId);
    if (!this.holds(t, params.owner, params.fence, now) || t.executionId === null) return false;
    t.leaseExpiresAt = now;
    t.updatedAt = now;
    return true;
  }

  /** {@inheritDoc Datastore.taskReportExecution} */
  async taskReportExecution(params: TaskReportExecutionParams): Promise<Task | undefined> {
    const now = this.now(params);
    const t = this.tasks.get(params.taskId);
    if (!t || t.state !== 'running' || t.executionId !== params.executionId || this.reports.has(t.id)) return undefined;
    this.reports.set(t.id, { taskId: t.id, executionId: params.executionId, status: clone(params.status) });
    t.updatedAt = now;
    return clone(t);
  }

  /** {@inheritDoc Datastore.taskRequestCancel} */
  async taskRequestCancel(params: TaskRequestCancelParams): Promise<Task | undefined> {
    const now = this.now(params);
    const t = this.tasks.get(params.taskId);
    if (!t) return undefined;
    if (t.state === 'pending' || t.state === 'running') t.cancelRequested = true;
    if (t.state === 'pending') {
      t.state = 'cancelled';
      t.reason = params.reason;
      t.endedAt = now;
      t.updatedAt = now;
      this.record(t, 'pending', now, null);
      this.ungate(t, now, 'end');
    } else if (t.state === 'running') {
      t.reason = params.reason;
      t.updatedAt = now;
    }
    return clone(t);
  }

  /** {@inheritDoc Datastore.taskCancelRequests} */
  async taskCancelRequests(params: TaskCancelRequestsParams): Promise<TaskCancelRequest[]> {
    return params.taskIds.flatMap((id) => {
      const t = this.tasks.get(id);
      return t && t.state === 'running' && t.leaseOwner === params.owner && t.cancelRequested
        ? [{ taskId: id, reason: t.reason }]
        : [];
    });
  }

  /** {@inheritDoc Datastore.taskBacklogUnoffered} */
  async taskBacklogUnoffered(params: TaskBacklogUnofferedParams): Promise<UnofferedBacklog[]> {
    const offered = executorsOfferedSince(this.nodes.values(), params.offeredSince);
    const backlog = new Map<string, UnofferedBacklog>();
    for (const t of this.tasks.values()) {
      if (t.state !== 'pending' || offered.has(t.executor)) continue;
      const b = backlog.get(t.executor) ?? { executor: t.executor, pending: 0, oldestDueAt: t.dueAt };
      backlog.set(t.executor, { ...b, pending: b.pending + 1, oldestDueAt: Math.min(b.oldestDueAt, t.dueAt) });
    }
    return [...backlog.values()].sort((a, b) => (a.executor < b.executor ? -1 : a.executor > b.executor ? 1 : 0));
  }

  /** {@inheritDoc Datastore.taskSettleUnresolved} */
  async taskSettleUnresolved(params: TaskSettleUnresolvedParams): Promise<Task[]> {
    const now = this.now(params);
    const cutoff = now - params.unresolvedAfterMs;
    const offered = executorsOfferedSince(this.nodes.values(), cutoff);
    const unresolved = [...this.tasks.values()]
      .filter((t) => t.state === 'pending' && t.dueAt <= cutoff && !offered.has(t.executor))
      .sort((a, b) => b.policies.priority - a.policies.priority || a.dueAt - b.dueAt)
      .slice(0, Math.max(0, params.limit));
    return unresolved.map((t) => {
      const reason = unresolvedReason(t.executor);
      Object.assign(t, { state: 'failed', reason, error: reason, endedAt: now, updatedAt: now });
      this.record(t, 'pending', now, params.nodeId);
      this.ungate(t, now, 'end');
      return clone(t);
    });
  }

  /** {@inheritDoc Datastore.taskGet} */
  async taskGet(id: string): Promise<Task | undefined> {
    checkIdArgument('id', id);
    const t = this.tasks.get(id);
    return t && clone(t);
  }

  /** {@inheritDoc Datastore.taskList} */
  async taskList(params: TaskListParams = {}): Promise<Task[]> {
    checkTaskListParams(params);
    return taskList(this.tasks, params);
  }

  /** {@inheritDoc Datastore.taskStats} */
  async taskStats(params: TaskStatsParams): Promise<TaskStats> {
    checkTaskStatsParams(params);
    return taskStats(this.tasks, params, this.now(params));
  }

  /** {@inheritDoc Datastore.taskEvents} */
  async taskEvents(taskId: string): Promise<TaskEvent[]> {
    checkIdArgument('taskId', taskId);
    return this.events.filter((e) => e.taskId === taskId).map(clone);
  }

  /** {@inheritDoc Datastore.taskLogAppend} */
  async taskLogAppend(params: TaskLogAppendParams): Promise<void> {
    for (const { at, line } of params.lines) this.logs.push({ seq: ++this.logSeq, taskId: params.taskId, at, line });
  }

  /** {@inheritDoc Datastore.taskLogRead} */
  async taskLogRead(params: TaskLogReadParams): Promise<TaskLogLine[]> {
    checkTaskLogReadParams(params);
    const after = params.afterSeq ?? 0;
    return this.logs
      .filter((l) => l.taskId === params.taskId && l.seq > after)
      .slice(0, params.limit ?? 1000)
      .map(clone);
  }

  /** {@inheritDoc Datastore.nodeRegister} */
  async nodeRegister(node: NodeRegisterParams): Promise<NodeRecord> {
    const now = this.now();
    const record: NodeRecord = { ...clone(node), startedAt: now, heartbeatAt: now, stoppedAt: null };
    this.nodes.set(node.id, record);
    return clone(record);
  }

  /** {@inheritDoc Datastore.nodeHeartbeat} */
  async nodeHeartbeat(params: NodeHeartbeatParams): Promise<number> {
    const now = this.now(params);
    const n = this.nodes.get(params.id);
    if (n) {
      n.heartbeatAt = now;
      n.clockOffsetMs = params.clockOffsetMs;
    }
    return now;
  }

  /** {@inheritDoc Datastore.nodeStop} */
  async nodeStop(params: NodeStopParams): Promise<void> {
    const n = this.nodes.get(params.id);
    if (n) n.stoppedAt = this.now(params);
  }

  /** {@inheritDoc Datastore.nodeList} */
  async nodeList(): Promise<NodeRecord[]> {
    return [...this.nodes.values()]
      .sort((a, b) => Number(a.stoppedAt !== null) - Number(b.stoppedAt !== null))
      .map(clone);
  }
}
