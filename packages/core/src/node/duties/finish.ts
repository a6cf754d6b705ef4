import type { TaskOutcome } from '../../datastore/datastore.js';
import { isTerminalTaskState, type Task } from '../../model/task.js';
import { mayReleaseGate } from '../../model/task-policies.js';
import { inSpan, markRunSpan, taskAttributes } from '../../tracing/spans.js';
import { errorMessage, storableText, type Attempt, type ExecutionResult } from '../attempt.js';
import { commitBackoffMs } from '../commit-backoff.js';
import { decideOutcome } from '../decide-outcome.js';
import type { FinishBatcher } from '../finish-batcher.js';
import type { NodeContext } from '../node-context.js';
import { storableOutcome, type StorableOutcome } from '../storable-result.js';

/** Commits of one outcome tried before the node gives the attempt up to repair. */
const MAX_FINISH_TRIES = 5;

/**
 * Duty 4 of the protocol, finish: decides each attempt's outcome (completed; failed; retried
 * after backoff; timed out; cancelled; handed back), checks and serializes its result, and
 * commits it with a conditional write on owner, fence, an unexpired lease and state
 * `running`, batched with the node's other commits. A commit refused means the lease is lost:
 * nothing is written and `leaseLost` says so. A commit whose outcome is unknown is re-read,
 * never blindly written again.
 */
export class FinishDuty {
  /**
   * @param ctx - the node
   * @param finishes - batches the node's commits
   */
  constructor(
    private readonly ctx: NodeContext,
    private readonly finishes: FinishBatcher,
  ) {}

  /** Decides the attempt's outcome and checks its result, ready for {@link FinishDuty.settle}. */
  decide(attempt: Attempt, result: ExecutionResult): StorableOutcome {
    const { task } = attempt;
    const { id: nodeId, timings } = this.ctx;
    if (attempt.abortCause === 'timeout') this.ctx.events.emit('taskTimedOut', task);
    try {
      const outcome = decideOutcome(attempt, result, {
        nodeId,
        now: this.ctx.dbNow(),
        strategies: this.ctx.strategies,
        random: this.ctx.random,
        heartbeatTimeoutMs: timings.heartbeatTimeoutMs,
      });
      return storableOutcome(outcome, timings.maxResultBytes, nodeId);
    } catch (error) {
      // A strategy this node lacks (or one that throws) must not leave the task running for ever.
      this.ctx.reportError(error, 'finish', task.id);
      const what = result.ok ? 'the attempt succeeded' : errorMessage(result.error);
      return {
        outcome: {
          state: 'failed',
          error: storableText(`${what}; deciding the outcome failed: ${errorMessage(error)}`),
          reason: `failed on node ${nodeId}: outcome undecidable`,
        },
        resultBytes: 0,
      };
    }
  }

  /**
   * Commits the outcome, conditionally on the lease. A commit whose connection failed has an
   * unknown outcome: the task is re-read, never blindly written again, and tried again after
   * a jittered backoff in a batch of its own, so that an outcome the store refuses cannot fail
   * the commits it was batched with twice. After {@link MAX_FINISH_TRIES} failed tries the
   * attempt is given up: its lease is left to expire and repair decides.
   */
  async settle(attempt: Attempt, outcome: TaskOutcome, resultBytes = 0): Promise<void> {
    const { task } = attempt;
    const { datastore, clock, leaseOwner, id: nodeId, attempts } = this.ctx;
    for (let tries = 1; ; tries += 1) {
      if (attempt.leaseLost || clock.monotonic() > attempt.trustUntil) return attempts.lose(attempt);
      try {
        const commit = { taskId: task.id, owner: leaseOwner, fence: task.fence, nodeId, outcome };
        const committed = await inSpan({ name: 'rookery.finish', attributes: taskAttributes(task) }, () =>
          this.finishes.finish(commit, { resultBytes, alone: tries > 1 }),
        );
        if (!committed) return attempts.lose(attempt);
        return this.announce(committed, outcome);
      } catch (error) {
        this.ctx.reportError(error, 'finish', task.id);
        const current = await datastore.taskGet(task.id).catch((readError: unknown) => {
          this.ctx.reportError(readError, 'finish', task.id);
          return undefined;
        });
        if (current && current.fence === task.fence && current.state !== 'running')
          return this.announce(current, outcome);
        if (current && current.fence !== task.fence) return attempts.lose(attempt);
        if (tries >= MAX_FINISH_TRIES) return attempts.lose(attempt);
        await new Promise<void>((resolve) =>
          this.ctx.timers.setTimeout(resolve, commitBackoffMs(tries, this.ctx.random)),
        );
      }
    }
  }

  /**
   * Hands back the task of an attempt given up on its trust window, whose work never started or
   * is known to have stopped: one commit on the lease (owner, fence, unexpired by the database
   * clock), so it only takes effect if no other node can have the task, and then makes it
   * pending at once (or abandoned, for an at-most-once attempt that started) instead of leaving
   * it leased until its expiry and a repair. A node stopping right after still leaves nothing
   * leased. Refused (the lease expired or moved on) or failed, repair decides, as before.
   */
  async handBack(attempt: Attempt, started: boolean): Promise<void> {
    const { task } = attempt;
    const { id: nodeId, leaseOwner } = this.ctx;
    const abandon =
      started &&
      this.ctx.strategies.get('delivery', task.policies.delivery, 'policies.delivery').onLeaseLost === 'abandon';
    const outcome: TaskOutcome = abandon
      ? {
          state: 'abandoned',
          reason: `abandoned by node ${nodeId}: lease not renewed in time (at-most-once: never started again)`,
        }
      : {
          state: 'pending',
          dueAt: this.ctx.dbNow(),
          error: null,
          countFailure: false,
          reason: `handed back by node ${nodeId}: ${started ? 'lease not renewed in time' : 'claim answered after its trust window'}`,
        };
    try {
      const committed = await this.finishes.finish(
        { taskId: task.id, owner: leaseOwner, fence: task.fence, nodeId, outcome },
        { resultBytes: 0, alone: true },
      );
      if (committed) this.announce(committed, outcome);
    } catch (error) {
      this.ctx.reportError(error, 'finish', task.id);
    }
  }

  /**
   * Emits the event of a committed outcome. A task made pending again (a retry, a hand-back)
   * wakes this node's loop at its due time, and is announced to the other nodes, so that a
   * free one claims it then if this one is busy or stopping.
   */
  private announce(task: Task, outcome: TaskOutcome): void {
    const { events } = this.ctx;
    markRunSpan(task, task.state === 'failed' || (outcome.state === 'pending' && outcome.countFailure));
    // A schedule's gate released by this end: its next fire time is peeled at once.
    if (isTerminalTaskState(task.state) && mayReleaseGate(task, 'end')) this.ctx.peelSoon();
    switch (task.state) {
      case 'completed':
        events.emit('taskCompleted', task);
        break;
      case 'failed':
        events.emit('taskFailed', task, task.error ?? 'failed');
        break;
      case 'cancelled':
        events.emit('taskCancelled', task);
        break;
      case 'abandoned':
        events.emit('taskAbandoned', task);
        break;
      case 'pending':
        if (outcome.state === 'pending' && outcome.countFailure)
          events.emit('taskRetried', task, task.error ?? 'failed');
        else events.emit('taskReleased', task);
        this.ctx.wakeAt(task.dueAt);
        this.ctx.wakeSignals.announce(task.dueAt, 'tasks');
        break;
      default:
        break;
    }
  }
}
