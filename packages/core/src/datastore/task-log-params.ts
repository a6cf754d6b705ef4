/** One stored line of a task's log. */
export interface TaskLogLine {
  /** Position in the log: grows with every line stored (read on with `afterSeq`). */
  seq: number;
  /** The task it belongs to. */
  taskId: string;
  /** When it was logged, epoch ms (the node's estimate of the database clock). */
  at: number;
  /** The text. */
  line: string;
}

/** Input of {@link Datastore.taskLogAppend}. */
export interface TaskLogAppendParams {
  /** The task the lines belong to. */
  taskId: string;
  /** Lines in the order logged; the caller bounds their number and length and strips NUL. */
  lines: { at: number; line: string }[];
}

/** Input of {@link Datastore.taskLogRead}. */
export interface TaskLogReadParams {
  /** The task whose log is read. */
  taskId: string;
  /** Only lines after this sequence number (the last `seq` read). @defaultValue 0: from the start */
  afterSeq?: number;
  /** At most this many lines. @defaultValue 1000 */
  limit?: number;
}
