// A child process of sqlite-multiprocess.test.ts: claims and finishes tasks on one SQLite file
// through the built package until none are left, then prints what it claimed as JSON.
// argv: <url> <owner> <executor> <concurrency> <startAt: epoch ms to begin at>
import { createSqlDatastore } from '@rookery/datastore-sql';

const [url, owner, executor, concurrencyArg, startAtArg] = process.argv.slice(2);
const concurrency = Number(concurrencyArg ?? '2');
const store = await createSqlDatastore({ url, migrate: false });
await store.clockNow();
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAtArg ?? 0) - Date.now())));
const claimed = [];
const errors = [];
let idleRounds = 0;

async function loop() {
  while (idleRounds < 20) {
    try {
      const { started } = await store.taskClaimDue({
        owner,
        nodeId: owner,
        limit: 3,
        leaseMs: 60_000,
        executors: [executor],
      });
      if (started.length === 0) {
        idleRounds += 1;
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      idleRounds = 0;
      for (const task of started) {
        claimed.push(task.id);
        const [done] = await store.taskFinishMany({
          finishes: [
            {
              taskId: task.id,
              owner,
              fence: task.fence,
              nodeId: owner,
              outcome: { state: 'completed', result: { by: owner }, reason: null },
            },
          ],
        });
        if (!done) errors.push(`lost lease on ${task.id}`);
      }
      // A moment of "work" between rounds, as a real executor has: SQLite's busy handler
      // backs off in steps, so a process that re-takes the write lock back to back would
      // starve the other and the test would not be concurrent at all.
      await new Promise((r) => setTimeout(r, 2));
    } catch (error) {
      errors.push(`${error?.code ?? ''} ${error?.message ?? String(error)} ${error?.cause?.message ?? ''}`);
    }
  }
}

await Promise.all(Array.from({ length: concurrency }, loop));
await store.close();
process.stdout.write(JSON.stringify({ owner, claimed, errors }));
