import { API_BASE, withQuery, type ApiClient } from './api-client.js';
import { errorOf } from './api-error.js';
import { createSseParser } from './sse-parser.js';
import type { LogLine } from './types.js';

/** What {@link followLog} reports. */
export interface LogFollower {
  /** Each line as it arrives. */
  onLine(line: LogLine): void;
  /** The task reached a terminal state: no line will follow. */
  onEnd(): void;
}

/**
 * Follows a task's log over `GET /tasks/:id/logs/stream` with `fetch` and a stream reader (an
 * `EventSource` cannot send the bearer header). Resolves when the stream ends or `signal` aborts;
 * rejects with an `ApiError` on an error answer.
 */
export async function followLog(
  api: ApiClient,
  taskId: string,
  after: number,
  follower: LogFollower,
  signal: AbortSignal,
): Promise<void> {
  const response = await fetch(API_BASE + withQuery(`/tasks/${encodeURIComponent(taskId)}/logs/stream`, { after }), {
    headers: { ...api.headers(), accept: 'text/event-stream' },
    signal,
  });
  if (!response.ok) throw await errorOf(response);
  if (!response.body) return;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const feed = createSseParser((event) => {
    if (event.event === 'log') follower.onLine(JSON.parse(event.data) as LogLine);
    else if (event.event === 'end') follower.onEnd();
  });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      feed(value);
    }
  } catch (error) {
    if (signal.aborted) return;
    throw error;
  }
}
