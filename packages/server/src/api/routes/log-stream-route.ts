import { isTerminalTaskState, type RookeryClient, type Timers } from '@rookery/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { logLineJson } from '../http/to-json.js';
import { ID_PARAMS, LOG_STREAM_QUERY } from '../schemas/inputs.js';
import type { ApiRoute, RouteDeps } from './api-route.js';

/** Lines read per statement while streaming. */
const PAGE = 500;

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(timers: Timers, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = timers.setTimeout(() => {
      signal.removeEventListener('abort', done);
      resolve();
    }, ms);
    const done = (): void => {
      timer.cancel();
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Writes one server-sent event. */
function send(reply: FastifyReply, event: string, data: unknown): void {
  reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/**
 * Streams a task's log: every stored line after `after`, then new ones as they are stored,
 * until the task is terminal (then `event: end` with its state) or the client goes. The task's
 * state is read before its lines, so the lines an attempt stored before its end are all sent
 * before `end`.
 */
async function streamLogs(
  request: FastifyRequest,
  reply: FastifyReply,
  client: RookeryClient,
  deps: Pick<RouteDeps, 'logPollMs' | 'timers'>,
): Promise<void> {
  const id = (request.params as { id: string }).id;
  let after = (request.query as { after: number }).after;
  await client.getTask(id);
  const gone = new AbortController();
  reply.raw.on('close', () => gone.abort());
  reply.hijack();
  reply.raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  reply.raw.write(': following the log\n\n');
  try {
    while (!gone.signal.aborted) {
      const { state } = await client.getTask(id);
      for (;;) {
        const lines = await client.taskLogs({ id, afterSeq: after, limit: PAGE });
        for (const line of lines) send(reply, 'log', logLineJson(line));
        after = lines.at(-1)?.seq ?? after;
        if (lines.length < PAGE) break;
      }
      if (isTerminalTaskState(state)) {
        send(reply, 'end', { state, next: after });
        break;
      }
      reply.raw.write(': waiting\n\n');
      await pause(deps.timers, deps.logPollMs, gone.signal);
    }
  } catch (error) {
    send(reply, 'error', { message: 'the log could not be read; the stream ends' });
    throw error;
  } finally {
    reply.raw.end();
  }
}

/** `GET /tasks/:id/logs/stream`: live follow over server-sent events. */
export const LOG_STREAM_ROUTE: ApiRoute = {
  method: 'GET',
  url: '/tasks/:id/logs/stream',
  role: 'read',
  summary: "Follows a task's log as server-sent events (`log` per line, `end` when the task is terminal)",
  tag: 'tasks',
  stream: true,
  schemas: { params: ID_PARAMS, querystring: LOG_STREAM_QUERY },
  handle: async (request, reply, deps) => {
    await streamLogs(request, reply, deps.client, deps);
    return undefined;
  },
};
