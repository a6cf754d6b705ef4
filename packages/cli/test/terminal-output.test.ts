import { describe, expect, it } from 'vitest';
import { logNodeLife, type Task } from '@rookery/core';
import { createEventBus } from '@rookery/messaging';
import { textLogger } from '../src/output/event-line.js';
import { jsonLogger } from '../src/output/json-logger.js';
import { formatTable, writeFields } from '../src/output/table.js';
import { terminalSafe } from '../src/output/terminal-text.js';
import { cli, cliJson, freshDb, runJobOnNode } from './helpers.js';

const CLIPBOARD = 'copied \x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07 done'; // OSC 52: write to the clipboard
const CURSOR = 'ok\x1b[2A\x1b[2K\rtask completed\x9b31m'; // up two lines, erase, carriage return, 8-bit CSI
const BIDI = 'file\u202etxt.exe';
/** Anything a terminal would act on, besides tab and newline. */
const ACTIVE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('terminalSafe', () => {
  it('writes ESC, CR, DEL, C1 controls and bidi overrides out as escapes, and keeps tab, newline and printable text', () => {
    expect(terminalSafe(CLIPBOARD)).toBe('copied \\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\\x07 done');
    expect(terminalSafe(CURSOR)).toBe('ok\\x1b[2A\\x1b[2K\\x0dtask completed\\x9b31m');
    expect(terminalSafe(BIDI)).toBe('file\\u202etxt.exe');
    expect(terminalSafe('\x00\x7f\u0085')).toBe('\\x00\\x7f\\x85');
    const plain = 'tab\there\nnext line, quotes \' " \\ ünïcode 🐦 中文';
    expect(terminalSafe(plain)).toBe(plain);
  });
});

describe('text output of task data', () => {
  it('rookery task logs shows a malicious line inert, and --json keeps it exact', async () => {
    const db = freshDb();
    const store = await runJobOnNode(db, {
      nodeId: 'term-node',
      functions: {
        noisy: async (ctx) => {
          ctx.log(CLIPBOARD);
          ctx.log(CURSOR);
        },
      },
      job: 'noisy',
      add: ['--exec', 'noisy', '--at', new Date(Date.now() + 100).toISOString()],
      until: ['taskCompleted'],
    });
    await store.close();
    const [task] = await cliJson<{ id: string }[]>(['task', 'ls', '--db', db, '--job', 'noisy', '--json']);
    if (task === undefined) throw new Error('no task');
    const text = await cli(['task', 'logs', task.id, '--db', db]);
    expect(text.code).toBe(0);
    expect(text.stdout).not.toMatch(ACTIVE);
    expect(
      text.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.replace(/^\S+ {2}/, '')),
    ).toEqual([terminalSafe(CLIPBOARD), terminalSafe(CURSOR)]);
    const json = await cli(['task', 'logs', task.id, '--db', db, '--json']);
    expect(
      json.stdout
        .trimEnd()
        .split('\n')
        .map((l) => (JSON.parse(l) as { line: string }).line),
    ).toEqual([CLIPBOARD, CURSOR]);
  });

  it('a node’s text event lines and error lines are inert; its JSON (pino) lines keep the text exact', () => {
    const task = {
      id: 't1',
      scheduleId: 's1',
      fireAt: 0,
      attempt: 1,
      fence: 1,
      state: 'failed',
      reason: CURSOR,
      dueAt: null,
    } as unknown as Task;
    const run = (format: 'json' | 'text') => {
      let out = '';
      let err = '';
      const events = createEventBus();
      const outSink = { write: (s: string) => (out += s) };
      const logger =
        format === 'json' ? jsonLogger(outSink) : textLogger(outSink, { write: (s: string) => (err += s) });
      logNodeLife(events, { logger, nodeId: 'n1', taskEvents: true, runningTask: () => undefined });
      events.emit('taskLog', 't1', CLIPBOARD);
      events.emit('taskFailed', task, `boom ${CURSOR}`);
      events.emit('generalError', new Error(`bad ${BIDI} \x1b[31m`), {
        nodeId: 'n1',
        source: 'executor',
        taskId: 't1',
      });
      return { out, err };
    };
    const text = run('text');
    expect(text.out + text.err).not.toMatch(ACTIVE);
    expect(text.out).toContain(`| ${terminalSafe(CLIPBOARD)}`);
    expect(text.err).toContain(terminalSafe(`bad ${BIDI} \x1b[31m`));
    const json = run('json');
    const lines = json.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { line?: string; error?: string; reason?: string });
    expect(lines[0]?.line).toBe(CLIPBOARD);
    expect(lines[1]).toMatchObject({ error: `boom ${CURSOR}`, reason: CURSOR });
    expect(lines[2]?.error).toBe(`bad ${BIDI} \x1b[31m`);
    expect(json.err).toBe('');
  });

  it('tables and field lists show a malicious cell inert', () => {
    const lines = formatTable([{ header: 'reason', cell: (r: { reason: string }) => r.reason }], [{ reason: CURSOR }]);
    expect(lines.join('\n')).not.toMatch(ACTIVE);
    expect(lines[1]).toBe(terminalSafe(CURSOR.replace(/\s+/g, ' ')));
    let fields = '';
    writeFields({ write: (s: string) => (fields += s) }, [
      ['result', { note: CURSOR }],
      ['reason', BIDI],
    ]);
    expect(fields).not.toMatch(ACTIVE);
    expect(fields).toContain('\\x9b31m');
  });
});
