import { describe, expect, it } from 'vitest';
import { nameKey } from '../../datastore/name-key.js';
import type { Schedule } from '../../model/schedule.js';
import type { Task } from '../../model/task.js';
import { makeSchedule, type ConformanceContext } from '../fixtures.js';

/** Keyset paging and name search of the schedule and task lists, and the overview counts. */
export function describeListPaging(ctx: ConformanceContext): void {
  describe('list paging', () => {
    it('pages schedules by name key and finds names containing a text, case-insensitively and literally', async () => {
      const { store } = ctx;
      const names = ['Backup-EU', 'backup-us', 'cleanup', 'report 50%_off', 'report 5000', 'Zeta'];
      for (const name of names)
        await store.scheduleCreate(makeSchedule({ name, state: name === 'cleanup' ? 'paused' : 'active' }));
      const pages: string[][] = [];
      let after: string | undefined;
      for (;;) {
        const page: Schedule[] = await store.scheduleList({
          limit: 4,
          ...(after !== undefined ? { afterNameKey: after } : {}),
        });
        if (page.length === 0) break;
        pages.push(page.map((s) => s.name));
        after = nameKey(page.at(-1)?.name ?? '');
      }
      expect(pages).toEqual([
        ['Backup-EU', 'backup-us', 'cleanup', 'report 50%_off'],
        ['report 5000', 'Zeta'],
      ]);
      const found = async (nameContains: string) => (await store.scheduleList({ nameContains })).map((s) => s.name);
      expect(await found('BACKUP')).toEqual(['Backup-EU', 'backup-us']);
      expect(await found('50%_')).toEqual(['report 50%_off']);
      expect(await found('_')).toEqual(['report 50%_off']);
      expect(await found('!')).toEqual([]);
      expect(await found('[a')).toEqual([]);
      expect(
        (await store.scheduleList({ nameContains: 'up', states: ['active'], afterNameKey: nameKey('Backup-EU') })).map(
          (s) => s.name,
        ),
      ).toEqual(['backup-us']);
    });

    it('pages tasks newest fire time first from the last one read, by schedule, state and executor', async () => {
      const { store, t0, seed, claim, exec } = ctx;
      const a = await seed({ tasks: [1, 2, 3, 4, 5].map((i) => ({ fireAt: t0 - 10_000 + i * 1000 })) });
      const other = await seed({ schedule: { executor: `${exec}-other` }, tasks: [{ fireAt: t0 - 7500 }] });
      await claim({ limit: 1 });
      const ids = (tasks: Task[]) => tasks.map((t) => t.id);
      const all = await store.taskList();
      expect(all.map((t) => t.fireAt)).toEqual([...all.map((t) => t.fireAt)].sort((x, y) => y - x));
      const paged: string[] = [];
      let before: { fireAt: number; id: string } | undefined;
      for (;;) {
        const page = await store.taskList({ limit: 2, ...(before ? { before } : {}) });
        if (page.length === 0) break;
        paged.push(...ids(page));
        const last = page.at(-1);
        before = last && { fireAt: last.fireAt, id: last.id };
      }
      expect(paged).toEqual(ids(all));
      const [a0, a1, a2, a3, a4] = ids(a.tasks);
      const third = a.tasks[2];
      if (!third) throw new Error('seed made no third task');
      expect(
        ids(await store.taskList({ scheduleId: a.schedule.id, before: { fireAt: third.fireAt, id: third.id } })),
      ).toEqual([a1, a0]);
      expect(ids(await store.taskList({ executor: `${exec}-other` }))).toEqual(ids(other.tasks));
      expect(ids(await store.taskList({ executor: exec, states: ['pending'], limit: 3 }))).toEqual([a4, a3, a2]);
      expect(ids(await store.taskList({ states: ['running'] }))).toEqual([a0]);
    });

    it('breaks ties of fire time by id, so no task is skipped or repeated between pages', async () => {
      const { store, t0, seed } = ctx;
      const fireAt = t0 - 5000;
      const tied: string[] = [];
      for (let i = 0; i < 3; i += 1) tied.push(...(await seed({ tasks: [{ fireAt }] })).tasks.map((t) => t.id));
      const first = await store.taskList({ limit: 2 });
      const last = first.at(-1);
      if (!last) throw new Error('no first page');
      const second = await store.taskList({ limit: 2, before: { fireAt: last.fireAt, id: last.id } });
      expect([...first, ...second].map((t) => t.id).sort()).toEqual([...tied].sort());
    });

    it('counts pending, due, running, recently ended and started tasks, with lateness samples', async () => {
      const { store, t0, seed, claim, finishAsA } = ctx;
      await seed({
        tasks: [
          { fireAt: t0 - 4000, dueAt: t0 - 4000 },
          { fireAt: t0 - 3000, dueAt: t0 - 3000 },
          { fireAt: t0 - 2000, dueAt: t0 - 1500 },
          { fireAt: t0 + 60_000 },
        ],
      });
      const { started } = await claim({ limit: 3 });
      expect(started).toHaveLength(3);
      const [s0, s1] = started;
      if (!s0 || !s1) throw new Error('claim started too few');
      await finishAsA(s0, { state: 'completed', result: null, reason: null }, t0 + 10);
      await finishAsA(s1, { state: 'failed', error: 'boom', reason: null }, t0 + 20);
      const stats = await store.taskStats({
        endedSince: t0 - 60_000,
        startedSince: t0 - 1000,
        latenessSamples: 10,
        now: t0 + 30,
      });
      expect({ ...stats, latenessMs: [...stats.latenessMs].sort((x, y) => x - y) }).toEqual({
        pending: 1,
        due: 0,
        running: 1,
        runningByNode: [{ nodeId: 'node-a', running: 1 }],
        completedSince: 1,
        failedSince: 1,
        startedSince: 3,
        latenessMs: [1500, 3000, 4000],
      });
      const later = await store.taskStats({
        endedSince: t0 + 15,
        startedSince: t0 + 1,
        latenessSamples: 0,
        now: t0 + 60_001,
      });
      expect([later.due, later.completedSince, later.failedSince, later.startedSince, later.latenessMs]).toEqual([
        1,
        0,
        1,
        0,
        [],
      ]);
    });
  });
}
