import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from '../fixtures.js';

/** Task logs: appends in batches, reads after a sequence number, limits, deletion with the schedule. */
export function describeTaskLogs(ctx: ConformanceContext): void {
  describe('task logs', () => {
    it('appends lines in order and reads them after a sequence number, limited, task by task', async () => {
      const { store, t0, seed } = ctx;
      const { tasks } = await seed({ tasks: [{ fireAt: t0 - 2000 }, { fireAt: t0 - 1000 }] });
      const [a, b] = tasks.map((t) => t.id) as [string, string];
      await store.taskLogAppend({
        taskId: a,
        lines: [
          { at: t0, line: 'a1' },
          { at: t0 + 1, line: 'a2' },
        ],
      });
      await store.taskLogAppend({ taskId: b, lines: [{ at: t0 + 2, line: 'b1' }] });
      await store.taskLogAppend({ taskId: a, lines: [] });
      await store.taskLogAppend({ taskId: a, lines: [{ at: t0 + 3, line: 'a3' }] });
      const all = await store.taskLogRead({ taskId: a });
      expect(all.map((l) => [l.taskId, l.at, l.line])).toEqual([
        [a, t0, 'a1'],
        [a, t0 + 1, 'a2'],
        [a, t0 + 3, 'a3'],
      ]);
      const seqs = all.map((l) => l.seq);
      expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
      expect(new Set(seqs).size).toBe(3);
      expect((await store.taskLogRead({ taskId: a, limit: 2 })).map((l) => l.line)).toEqual(['a1', 'a2']);
      expect((await store.taskLogRead({ taskId: a, afterSeq: seqs[1] })).map((l) => l.line)).toEqual(['a3']);
      expect(await store.taskLogRead({ taskId: a, afterSeq: seqs[2] })).toEqual([]);
      expect((await store.taskLogRead({ taskId: b })).map((l) => l.line)).toEqual(['b1']);
      expect(await store.taskLogRead({ taskId: randomUUID() })).toEqual([]);
    });

    it('stores a large batch whole and keeps text exactly: unicode, quotes, long lines', async () => {
      const { store, t0, seed } = ctx;
      const { tasks } = await seed({ tasks: [{ fireAt: t0 - 1000 }] });
      const taskId = tasks[0]?.id ?? '';
      const tricky = [
        "x'); DROP TABLE rookery_task_logs;--",
        'naïve 🐦 日本語 \\ "quoted" \t tab',
        'é'.repeat(4000),
        '',
      ];
      const lines = [...tricky, ...Array.from({ length: 1200 }, (_, i) => `line ${i}`)].map((line, i) => ({
        at: t0 + i,
        line,
      }));
      await store.taskLogAppend({ taskId, lines });
      const read: string[] = [];
      let after = 0;
      for (;;) {
        const page = await store.taskLogRead({ taskId, afterSeq: after, limit: 500 });
        if (page.length === 0) break;
        read.push(...page.map((l) => l.line));
        after = page[page.length - 1]?.seq ?? after;
      }
      expect(read).toEqual(lines.map((l) => l.line));
    });

    it('deletes a task’s log with its schedule', async () => {
      const { store, t0, seed } = ctx;
      const { schedule, tasks } = await seed({ tasks: [{ fireAt: t0 - 1000 }] });
      const taskId = tasks[0]?.id ?? '';
      await store.taskLogAppend({ taskId, lines: [{ at: t0, line: 'gone soon' }] });
      expect(await store.scheduleDelete(schedule.id)).toBe(true);
      expect(await store.taskLogRead({ taskId })).toEqual([]);
    });
  });
}
