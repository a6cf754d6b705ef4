// Executor module for the fake framework (server.ts), loaded by `rookery node --executors`:
// executor objects whose executions run in the framework at FAKE_FRAMEWORK_URL and outlive
// the node that started them. `fakePolled` is polled through `status`; `fakeMessaged` only
// hears its outcome by message (`rookery task report`).
const base = process.env.FAKE_FRAMEWORK_URL;
if (!base) throw new Error('FAKE_FRAMEWORK_URL is not set');

async function call(method, path, body) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await res.json();
  if (!res.ok) throw new Error(`fake framework: ${method} ${path}: ${res.status} ${answer.error}`);
  return answer;
}

async function start(ctx) {
  const { id } = await call('POST', '/executions', {
    taskId: ctx.task.id,
    fence: ctx.task.fence,
    payload: ctx.payload,
  });
  ctx.log(`started execution ${id}`);
  return id;
}

export default {
  fakePolled: {
    async start(ctx) {
      return { kind: 'external', executionId: await start(ctx), reports: 'poll' };
    },
    status: (executionId) => call('GET', `/executions/${executionId}`),
    cancel: (executionId) => call('POST', `/executions/${executionId}/cancel`).then(() => undefined),
  },
  fakeMessaged: {
    async start(ctx) {
      return { kind: 'external', executionId: await start(ctx), reports: 'message' };
    },
    cancel: (executionId) => call('POST', `/executions/${executionId}/cancel`).then(() => undefined),
  },
};
