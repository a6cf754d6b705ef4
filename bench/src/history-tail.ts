import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { RunRecord } from '@rookery/core';

/** What a run record stands for: its schedule's fire time, or the job (a task with no schedule) itself. */
export function occurrenceOf(record: Pick<RunRecord, 'scheduleId' | 'fireAt' | 'taskId'>): string {
  return record.scheduleId === null ? `job/${record.taskId}` : `${record.scheduleId}/${record.fireAt}`;
}

/**
 * Reads the history file the nodes append to, a little at a time: each {@link HistoryTail.poll}
 * parses only the whole lines added since the last, so waiting for a run to finish costs
 * little CPU beside the nodes.
 */
export class HistoryTail {
  /** Every record read so far. */
  readonly records: RunRecord[] = [];
  private offset = 0;
  private partial = '';
  private readonly decoder = new StringDecoder('utf8');
  private readonly done = new Set<string>();

  /**
   * @param file - the history file (it may not exist yet)
   * @param accept - which records count; the others are skipped (default: all)
   */
  constructor(
    private readonly file: string,
    private readonly accept: (record: RunRecord) => boolean = () => true,
  ) {}

  /** (schedule, fire time) pairs, and jobs, with a successful end so far. */
  get completed(): number {
    return this.done.size;
  }

  /** Reads what was appended since the last call. */
  poll(): void {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    try {
      const buffer = Buffer.alloc(1 << 20);
      for (;;) {
        const n = readSync(fd, buffer, 0, buffer.length, this.offset);
        if (n === 0) break;
        this.offset += n;
        const lines = (this.partial + this.decoder.write(buffer.subarray(0, n))).split('\n');
        this.partial = lines.pop() ?? '';
        for (const line of lines) if (line.trim() !== '') this.add(JSON.parse(line) as RunRecord);
      }
    } finally {
      closeSync(fd);
    }
  }

  private add(record: RunRecord): void {
    if (!this.accept(record)) return;
    this.records.push(record);
    if (record.kind === 'end' && record.ok) this.done.add(occurrenceOf(record));
  }
}
