/** Something lines can be written to: `process.stdout`, or a buffer in tests. */
export interface TextSink {
  /** Writes text as is (callers add the newline). */
  write(text: string): unknown;
}

/** Where the program writes. Commands never touch `process.stdout` directly. */
export interface CliIo {
  /** Results: tables, JSON, event lines. */
  stdout: TextSink;
  /** Errors and warnings, one line each. */
  stderr: TextSink;
  /** Environment read for defaults (`ROOKERY_DB`). @defaultValue process.env */
  env?: Record<string, string | undefined>;
}

/** Writes one line to a sink. */
export function writeLine(sink: TextSink, line: string): void {
  sink.write(`${line}\n`);
}
