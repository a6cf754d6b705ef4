import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Datastore, RookeryClient, Task } from '@rookery/core';
import { startApiServer, type RunningApiServer } from '../../src/index.js';
import { bearer, DialectStore, routeDialects, TOKENS } from './api-harness.js';
import { RookeryClient as Client } from '@rookery/core';
import { taskFinishOne } from '@rookery/core/testing';

/** Reads server-sent events from a fetch answer's body, as the dashboard does (fetch + ReadableStream). */
class EventReader {
  private buffer = '';
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();

  constructor(body: ReadableStream<Uint8Array>) {
    this.reader = body.getReader();
  }

  /** The next event (comments skipped), or null when the stream ended. */
  async next(): Promise<{ event: string; data: unknown } | null> {
    for (;;) {
      const end = this.buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const lines = block.split('\n').filter((l) => !l.startsWith(':'));
        if (lines.length === 0) continue;
        const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
        const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
        return { event, data: data === undefined ? undefined : (JSON.parse(data) as unknown) };
      }
      const { done, value } = await this.reader.read();
      if (done) return null;
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }
}

/** Starts `task` running as a node would: claimed under a lease. */
async function startRunning(store: Datastore, task: Task): Promise<Task> {
  const { started } = await store.taskClaimDue({
    owner: 'owner-1',
    nodeId: 'node-1',
    limit: 1,
    leaseMs: 60_000,
    executors: [task.executor],
  });
  const running = started.find((t) => t.id === task.id);
  if (!running) throw new Error('the task did not start');
  return running;
}

for (const dialect of await routeDialects()) {
  describe.skipIf(!dialect.available)(`log follow over server-sent events on ${dialect.label}`, () => {
    const db = new DialectStore(dialect);
    let store: Datastore;
    let client: RookeryClient;
    let server: RunningApiServer;
    let errors: Error[];
    let logReads = 0;

    beforeAll(() => db.create());
    afterAll(() => db.drop());
    beforeEach(async () => {
      store = await db.open();
      logReads = 0;
      const counted = new Proxy(store, {
        get(target, key, receiver) {
          if (key === 'taskLogRead')
            return (...args: Parameters<Datastore['taskLogRead']>) => ((logReads += 1), target.taskLogRead(...args));
          const value: unknown = Reflect.get(target, key, receiver);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      client = new Client({ datastore: counted, builtInExecutors: ['noop'] });
      errors = [];
      server = await startApiServer({
        port: 0,
        client,
        tokens: [{ role: 'read', token: TOKENS.read }],
        logPollMs: 25,
        onError: (e) => errors.push(e),
      });
    });
    afterEach(async () => {
      await server.close();
      await db.close();
      expect(errors).toEqual([]);
    });

    it('sends the stored lines, then new ones as they are stored, and ends when the task is terminal', async () => {
      const { task } = await client.enqueue({ executor: 'noop' });
      const running = await startRunning(store, task);
      await store.taskLogAppend({
        taskId: task.id,
        lines: [
          { at: 1, line: 'one' },
          { at: 2, line: 'two' },
        ],
      });
      const response = await fetch(`${server.url}/api/v1/tasks/${task.id}/logs/stream`, { headers: bearer('read') });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const events = new EventReader(response.body as ReadableStream<Uint8Array>);
      const first = await events.next();
      const second = await events.next();
      expect([first, second].map((e) => [e?.event, (e?.data as { line: string }).line])).toEqual([
        ['log', 'one'],
        ['log', 'two'],
      ]);
      await store.taskLogAppend({ taskId: task.id, lines: [{ at: 3, line: 'three' }] });
      const third = await events.next();
      expect([
        third?.event,
        (third?.data as { line: string; at: string }).line,
        (third?.data as { at: string }).at,
      ]).toEqual(['log', 'three', '1970-01-01T00:00:00.003Z']);
      await store.taskLogAppend({ taskId: task.id, lines: [{ at: 4, line: 'last words' }] });
      await taskFinishOne(store, {
        taskId: task.id,
        owner: 'owner-1',
        fence: running.fence,
        nodeId: 'node-1',
        outcome: { state: 'completed', result: null, reason: null },
      });
      const last = await events.next();
      expect([last?.event, (last?.data as { line: string }).line]).toEqual(['log', 'last words']);
      const end = await events.next();
      expect(end?.event).toBe('end');
      expect(end?.data).toMatchObject({ state: 'completed' });
      expect(await events.next()).toBeNull();
    });

    it('reads on after a sequence number, and stops polling when the client goes', async () => {
      const { task } = await client.enqueue({ executor: 'noop' });
      await startRunning(store, task);
      await store.taskLogAppend({
        taskId: task.id,
        lines: [
          { at: 1, line: 'seen' },
          { at: 2, line: 'unseen' },
        ],
      });
      const [seen] = await client.taskLogs({ id: task.id });
      const gone = new AbortController();
      const response = await fetch(`${server.url}/api/v1/tasks/${task.id}/logs/stream?after=${seen?.seq ?? 0}`, {
        headers: bearer('read'),
        signal: gone.signal,
      });
      const events = new EventReader(response.body as ReadableStream<Uint8Array>);
      expect((await events.next())?.data).toMatchObject({ line: 'unseen' });
      gone.abort();
      // the server notices the closed connection: no stream is left open to hold up the close
      // the server notices the closed connection and stops reading the log
      const reads = (): number => logReads;
      let settled = -1;
      for (let i = 0; i < 200 && settled !== reads(); i += 1) {
        settled = reads();
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(settled).toBe(reads());
    });

    it('answers 404 for an unknown task and 401 without a token, as JSON, before any stream', async () => {
      const missing = await fetch(`${server.url}/api/v1/tasks/no-such-task/logs/stream`, { headers: bearer('read') });
      expect([missing.status, await missing.json()]).toEqual([
        404,
        { error: { code: 'not_found', message: expect.any(String) } },
      ]);
      const anonymous = await fetch(`${server.url}/api/v1/tasks/no-such-task/logs/stream`);
      expect(anonymous.status).toBe(401);
    });
  });
}
