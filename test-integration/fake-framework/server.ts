import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Json } from '@rookery/core';

/** One execution the fake framework runs. */
export interface FakeExecution {
  /** Its id: `<task id>.<fence>`. */
  id: string;
  /** The Rookery task it runs for. */
  taskId: string;
  /** The fence of the attempt that started it. */
  fence: number;
  /** When it was started, by the framework's clock (epoch ms). */
  startedAt: number;
  /** When it finishes by itself (`payload.ms` after its start), or null: only {@link FakeFramework.finish} ends it. */
  finishAt: number | null;
  /** How it ends: the payload's `result` (completed), or its `error` (failed). */
  outcome: { state: 'completed'; result: Json | null } | { state: 'failed'; error: string; retryable: boolean };
  /** Set once it was cancelled. */
  cancelled: boolean;
}

/** A running fake framework. */
export interface FakeFramework {
  /** Its base URL (`http://127.0.0.1:<port>`). */
  url: string;
  /** Every execution it was asked to start, in order. */
  executions(): FakeExecution[];
  /** Whether an execution has finished (by its own time, by `finish`, or cancelled). */
  finished(id: string): boolean;
  /** Ends an execution now with its outcome. */
  finish(id: string): void;
  /** Stops the server. */
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<unknown> {
  const text = Buffer.concat(await req.toArray()).toString('utf8');
  return text ? JSON.parse(text) : null;
}

function reply(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

/**
 * Starts a tiny HTTP job framework on a free port of 127.0.0.1, standing for an external
 * system whose executions outlive the Rookery node that started them:
 *
 * - `POST /executions` with `{ taskId, fence, payload: { ms?, result?, error?, retryable? } }`
 *   starts an execution and answers `201 { id }`. It is idempotent per (task, fence) and
 *   refuses (409) a fence below the largest it saw for the task: a stale attempt cannot start
 *   work any more.
 * - `GET /executions/:id` answers `{ state: 'running' }`, `{ state: 'completed', result }` or
 *   `{ state: 'failed', error, retryable }`; 404 for an id it does not know.
 * - `POST /executions/:id/cancel` cancels it (it then reports failed, `cancelled`).
 */
export async function startFakeFramework(): Promise<FakeFramework> {
  const executions = new Map<string, FakeExecution>();
  const fences = new Map<string, number>();
  const finished = (e: FakeExecution): boolean => e.cancelled || (e.finishAt !== null && Date.now() >= e.finishAt);
  const server = createServer((req, res) => {
    void (async () => {
      const [, resource, id, action] = (req.url ?? '').split('/');
      if (resource !== 'executions') return reply(res, 404, { error: 'no such resource' });
      if (req.method === 'POST' && id === undefined) {
        const { taskId, fence, payload } = (await body(req)) as {
          taskId: string;
          fence: number;
          payload: Record<string, Json> | null;
        };
        if (fence < (fences.get(taskId) ?? 0))
          return reply(res, 409, { error: `fence ${fence} is stale for task ${taskId}` });
        fences.set(taskId, fence);
        const executionId = `${taskId}.${fence}`;
        if (!executions.has(executionId)) {
          const p = payload ?? {};
          executions.set(executionId, {
            id: executionId,
            taskId,
            fence,
            startedAt: Date.now(),
            finishAt: typeof p['ms'] === 'number' ? Date.now() + p['ms'] : null,
            outcome:
              typeof p['error'] === 'string'
                ? { state: 'failed', error: p['error'], retryable: p['retryable'] === true }
                : { state: 'completed', result: p['result'] ?? null },
            cancelled: false,
          });
        }
        return reply(res, 201, { id: executionId });
      }
      const execution = id === undefined ? undefined : executions.get(id);
      if (!execution) return reply(res, 404, { error: `no execution ${id ?? ''}` });
      if (req.method === 'POST' && action === 'cancel') {
        execution.cancelled = true;
        return reply(res, 200, { cancelled: true });
      }
      if (req.method !== 'GET' || action !== undefined) return reply(res, 405, { error: 'method not allowed' });
      if (execution.cancelled) return reply(res, 200, { state: 'failed', error: 'cancelled', retryable: false });
      return reply(res, 200, finished(execution) ? execution.outcome : { state: 'running' });
    })().catch((error: unknown) => reply(res, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    executions: () => [...executions.values()],
    finished: (executionId) => {
      const e = executions.get(executionId);
      return e !== undefined && finished(e);
    },
    finish: (executionId) => {
      const e = executions.get(executionId);
      if (e) e.finishAt = Date.now();
    },
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
