/**
 * The task functions of `rookery demo`, loaded by each demo node with `--executors`. Every
 * attempt appends a `start` and an `end` record (one JSON line each, see core's `RunRecord`)
 * to the file named by `ROOKERY_DEMO_HISTORY`, so the demo can check afterwards that no fire
 * time was lost or run twice. The node id comes from `ROOKERY_NODE_ID`, which `rookery node`
 * sets before it loads executor modules.
 * @packageDocumentation
 */
import { appendFileSync } from 'node:fs';
import type { ExecutionContext, Json } from '@rookery/core';

function record(ctx: ExecutionContext, kind: 'start' | 'end', ok?: boolean): void {
  const file = process.env.ROOKERY_DEMO_HISTORY;
  if (!file) return;
  const { id: taskId, scheduleId, fireAt, attempt, fence } = ctx.task;
  const line = {
    kind,
    nodeId: process.env.ROOKERY_NODE_ID ?? 'unknown',
    taskId,
    scheduleId,
    fireAt,
    attempt,
    fence,
    at: Date.now(),
    ...(ok === undefined ? {} : { ok }),
  };
  // one write per line with O_APPEND: lines of concurrent processes never interleave
  appendFileSync(file, `${JSON.stringify(line)}\n`);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    const timer = setTimeout(done, ms);
    function done(): void {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort(): void {
      clearTimeout(timer);
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function recorded(ctx: ExecutionContext, work: () => Promise<Json>): Promise<Json> {
  record(ctx, 'start');
  try {
    const result = await work();
    record(ctx, 'end', true);
    return result;
  } catch (err) {
    record(ctx, 'end', false);
    throw err;
  }
}

const between = (min: number, max: number): number => min + Math.floor(Math.random() * (max - min));

/** The demo's task functions by executor name. */
const demoFunctions = {
  /** A quick task: 50–150 ms. */
  'demo-tick': (ctx: ExecutionContext): Promise<Json> =>
    recorded(ctx, async () => {
      const ms = between(50, 150);
      await sleep(ms, ctx.signal);
      return { ms };
    }),
  /** Fails its first two attempts, then succeeds: shows retries with backoff. */
  'demo-flaky': (ctx: ExecutionContext): Promise<Json> =>
    recorded(ctx, async () => {
      await sleep(between(20, 80), ctx.signal);
      if (ctx.task.attempt < 3) throw new Error(`flaky: attempt ${ctx.task.attempt} failed on purpose`);
      return { attempt: ctx.task.attempt };
    }),
  /** A long task: 2–3 s, so that a node is killed while running one. */
  'demo-slow': (ctx: ExecutionContext): Promise<Json> =>
    recorded(ctx, async () => {
      const ms = between(2_000, 3_000);
      await sleep(ms, ctx.signal);
      return { ms };
    }),
};

export default demoFunctions;
