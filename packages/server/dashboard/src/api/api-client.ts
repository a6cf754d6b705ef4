import { ApiError, errorOf } from './api-error.js';
import type { ClusterNode, LogLine, Overview, Page, Role, Schedule, Task, TaskEvent } from './types.js';

/** Query parameters; undefined and empty values are left out. */
export type Query = Record<string, string | number | undefined>;

/** The base path of the API. */
export const API_BASE = '/api/v1';

/** Builds `path?query`, leaving out empty values. */
export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** Calls to the Rookery HTTP API with one bearer token. */
export class ApiClient {
  readonly #token: string;

  constructor(token: string) {
    this.#token = token;
  }

  /** The headers every request carries. */
  headers(): Record<string, string> {
    return { authorization: `Bearer ${this.#token}` };
  }

  /** Sends a request; resolves with the parsed JSON body (undefined for 204), rejects with an {@link ApiError}. */
  async request<T>(method: string, path: string, options: { body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
    const headers = this.headers();
    const init: RequestInit = { method, headers };
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(options.body);
    }
    if (options.signal) init.signal = options.signal;
    let response: Response;
    try {
      response = await fetch(API_BASE + path, init);
    } catch (cause) {
      if (options.signal?.aborted) throw cause;
      throw new ApiError(0, 'network', `the server could not be reached (${String(cause)})`);
    }
    if (!response.ok) throw await errorOf(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  /** `GET /whoami`: the token's role. */
  async whoami(signal?: AbortSignal): Promise<Role> {
    return (await this.request<{ role: Role }>('GET', '/whoami', { signal })).role;
  }

  /** `GET /overview`. */
  overview(signal?: AbortSignal): Promise<Overview> {
    return this.request('GET', '/overview', { signal });
  }

  /** `GET /nodes`. */
  async nodes(signal?: AbortSignal): Promise<ClusterNode[]> {
    return (await this.request<{ items: ClusterNode[] }>('GET', '/nodes', { signal })).items;
  }

  /** `GET /schedules`: one page, filtered by states and a name substring. */
  schedules(
    query: { state?: string; q?: string; limit?: number; cursor?: string },
    signal?: AbortSignal,
  ): Promise<Page<Schedule>> {
    return this.request('GET', withQuery('/schedules', query), { signal });
  }

  /** `GET /schedules/:idOrName`. */
  schedule(idOrName: string, signal?: AbortSignal): Promise<Schedule> {
    return this.request('GET', `/schedules/${encodeURIComponent(idOrName)}`, { signal });
  }

  /** `GET /schedules/:idOrName/preview`: the next fire times. */
  async preview(idOrName: string, count: number, signal?: AbortSignal): Promise<string[]> {
    return (
      await this.request<{ fireTimes: string[] }>(
        'GET',
        withQuery(`/schedules/${encodeURIComponent(idOrName)}/preview`, { count }),
        { signal },
      )
    ).fireTimes;
  }

  /** `GET /schedules/:idOrName/occurrences`: one page of the ledger, newest fire time first. */
  occurrences(
    idOrName: string,
    query: { state?: string; limit?: number; cursor?: string },
    signal?: AbortSignal,
  ): Promise<Page<Task>> {
    return this.request('GET', withQuery(`/schedules/${encodeURIComponent(idOrName)}/occurrences`, query), { signal });
  }

  /** `POST /schedules/:idOrName/<action>`: pause, resume, retire or run. */
  scheduleAction(idOrName: string, action: 'pause' | 'resume' | 'retire' | 'run'): Promise<Schedule | Task> {
    return this.request('POST', `/schedules/${encodeURIComponent(idOrName)}/${action}`, { body: {} });
  }

  /** `DELETE /schedules/:idOrName`. */
  deleteSchedule(idOrName: string): Promise<void> {
    return this.request('DELETE', `/schedules/${encodeURIComponent(idOrName)}`);
  }

  /** `GET /tasks`: one page, newest first. */
  tasks(
    query: { schedule?: string; state?: string; executor?: string; kind?: string; limit?: number; cursor?: string },
    signal?: AbortSignal,
  ): Promise<Page<Task>> {
    return this.request('GET', withQuery('/tasks', query), { signal });
  }

  /** `GET /tasks/:id`: the task with its transitions. */
  task(id: string, signal?: AbortSignal): Promise<{ task: Task; events: TaskEvent[] }> {
    return this.request('GET', `/tasks/${encodeURIComponent(id)}`, { signal });
  }

  /** `GET /tasks/:id/logs`: stored lines after `after`. */
  logs(id: string, after: number, signal?: AbortSignal): Promise<{ items: LogLine[]; next: number }> {
    return this.request('GET', withQuery(`/tasks/${encodeURIComponent(id)}/logs`, { after, limit: 500 }), { signal });
  }

  /** `POST /tasks/:id/cancel` or `/retry`. */
  taskAction(id: string, action: 'cancel' | 'retry', body: { reason?: string } = {}): Promise<Task> {
    return this.request('POST', `/tasks/${encodeURIComponent(id)}/${action}`, { body });
  }

  /** `POST /jobs`: enqueues a job. */
  enqueue(input: { executor: string; payload?: unknown; key?: string }): Promise<{ task: Task; created: boolean }> {
    return this.request('POST', '/jobs', { body: input });
  }
}
