// Task functions the compose nodes offer (`--executors /app/jobs/functions.mjs`). Replace with your own.
export default {
  hello: async (ctx) => ({ greeted: ctx.payload ?? 'world', attempt: ctx.task.attempt }),
};
