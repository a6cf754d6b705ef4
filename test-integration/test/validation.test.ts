import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { RookeryClient } from '@rookery/core';
import { createSqlDatastore } from '@rookery/datastore-sql';
import { testDialects } from '../../packages/datastore-sql/test/helpers/test-databases.js';
import { startNode, stopNode, waitUntil } from '../src/cluster.js';

// Schedules submitted with a client id are validated by a cluster of real `rookery node`
// processes: each exactly once (the claim is a lease on the row), every verdict recorded with
// the node that gave it, and one whose executor no node has left pending.
const VALIDATING_FUNCTIONS = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures/validating-functions.mjs');
const SUBMISSIONS = 24;

const dialects = await testDialects();

describe.each(dialects)('asynchronous validation by three nodes on $label', (dialect) => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it.skipIf(!dialect.available)(
    'validates each submission exactly once, activating or rejecting it; none is dropped',
    async () => {
      const db = await dialect.create();
      cleanups.push(() => db.drop());
      const dir = await mkdtemp(join(tmpdir(), 'rookery-validation-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const store = await createSqlDatastore({ url: db.url });
      cleanups.push(() => store.close());
      const client = new RookeryClient({ datastore: store });
      const history = join(dir, 'validations.jsonl');

      for (let n = 0; n < SUBMISSIONS; n += 1) {
        await client.createSchedule({
          name: `job-${n}`,
          executor: 'checked-echo',
          payload: { n },
          trigger: { kind: 'interval', everyMs: 3_600_000 },
          clientId: 'team',
        });
      }
      await client.createSchedule({
        name: 'orphan',
        executor: 'nobody-has-this',
        trigger: { kind: 'interval', everyMs: 3_600_000 },
        clientId: 'team',
      });

      const settings = {
        db: db.url,
        ids: ['v1', 'v2', 'v3'],
        executors: [VALIDATING_FUNCTIONS],
        history,
        leaseMs: 2_000,
        concurrency: 4,
      };
      const nodes = settings.ids.map((id) => startNode(settings, id));
      cleanups.push(async () => Promise.all(nodes.map((n) => stopNode(n))));
      const pending = async (): Promise<number> =>
        (await client.validations({ clientId: 'team' })).filter((v) => v.state === 'pending').length;
      await waitUntil(async () => (await pending()) === 1, 30_000, 'every submission but the orphan to be validated');
      expect(await Promise.all(nodes.map((n) => stopNode(n)))).toEqual([0, 0, 0]);

      const list = await client.validations({ clientId: 'team' });
      expect(list).toHaveLength(SUBMISSIONS + 1);
      for (const v of list) {
        if (v.name === 'orphan') {
          expect(v).toMatchObject({ state: 'pending', scheduleState: 'pending-validation', validatedBy: null });
          continue;
        }
        const n = Number(v.name.slice('job-'.length));
        expect(settings.ids).toContain(v.validatedBy);
        if (n % 4 === 0)
          expect(v).toMatchObject({
            state: 'rejected',
            field: 'payload.n',
            reason: `payload.n: must not be a multiple of 4, got ${n}`,
          });
        else expect(v).toMatchObject({ state: 'active', scheduleState: 'active', field: null, reason: null });
      }
      const calls = (await readFile(history, 'utf8'))
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as { nodeId: string; n: number });
      const perSubmission = new Map<number, number>();
      for (const c of calls) perSubmission.set(c.n, (perSubmission.get(c.n) ?? 0) + 1);
      expect([...perSubmission.entries()].sort((a, b) => a[0] - b[0])).toEqual(
        Array.from({ length: SUBMISSIONS }, (_, n) => [n, 1]),
      );
      for (const n of nodes) expect(n.output.join('')).not.toContain('generalError');
      const lines = nodes
        .flatMap((n) => n.output.join('').split('\n'))
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { event: string; reason?: string });
      expect(lines.filter((l) => l.event === 'scheduleValidated')).toHaveLength(SUBMISSIONS - SUBMISSIONS / 4);
      expect(
        lines
          .filter((l) => l.event === 'scheduleRejected')
          .map((l) => l.reason)
          .sort(),
      ).toEqual([0, 12, 16, 20, 4, 8].map((n) => `payload.n: must not be a multiple of 4, got ${n}`));
    },
  );
});
