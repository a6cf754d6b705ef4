/** How much of a child's output reaches the task log. */
export interface OutputLogLimits {
  /** Lines sent to the log as they come, from the start. @defaultValue 500 */
  headLines: number;
  /** Lines after those kept (the latest ones) and sent when the process ends. @defaultValue 500 */
  tailLines: number;
  /** Longest line sent; longer ones are cut and say so. @defaultValue 4000 */
  maxLineLength: number;
}

/** The defaults of {@link OutputLogLimits}. */
export const DEFAULT_OUTPUT_LOG_LIMITS: OutputLogLimits = { headLines: 500, tailLines: 500, maxLineLength: 4_000 };

/**
 * The task log of one child process, bounded: the first `headLines` lines of stdout and
 * stderr together go to `log` as they come; after that only the latest `tailLines` are kept,
 * and {@link OutputLog.end} sends one line saying how many lines were cut, then that tail.
 * Each stream is split into lines by its own {@link LineSplitter}.
 */
export class OutputLog {
  #sent = 0;
  #cut = 0;
  #tail: string[] = [];

  /**
   * @param log - where lines go (the attempt's `ctx.log`)
   * @param limits - the bounds
   */
  constructor(
    private readonly log: (line: string) => void,
    readonly limits: OutputLogLimits,
  ) {}

  /** Takes one complete line. */
  line(line: string): void {
    if (this.#sent < this.limits.headLines) {
      this.#sent += 1;
      this.log(line);
      return;
    }
    this.#tail.push(line);
    if (this.#tail.length > this.limits.tailLines) {
      this.#tail.shift();
      this.#cut += 1;
    }
  }

  /** Sends the note on what was cut, if anything, and the kept tail; later lines start a new tail. */
  end(): void {
    if (this.#cut > 0) this.log(`[rookery: ${this.#cut} line(s) of output cut; the last ${this.#tail.length} follow]`);
    for (const line of this.#tail) this.log(line);
    this.#tail = [];
    this.#cut = 0;
  }
}

/**
 * Splits one stream's text into lines for an {@link OutputLog}, with a prefix (such as
 * `[stderr] `). A line longer than the limit is sent cut, with a note, as soon as it passes the
 * limit; the rest of it is dropped. A last line without a newline is sent by `end`.
 */
export class LineSplitter {
  #pending = '';
  #dropping = false;

  /**
   * @param out - the log the lines go to
   * @param prefix - put before every line
   */
  constructor(
    private readonly out: OutputLog,
    private readonly prefix: string,
  ) {}

  /** Takes a chunk of decoded text. */
  write(chunk: string): void {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', start)) {
      this.#take(chunk.slice(start, nl), true);
      start = nl + 1;
    }
    if (start < chunk.length) this.#take(chunk.slice(start), false);
  }

  /** Sends the unfinished last line, if any. */
  end(): void {
    if (this.#pending) this.#emit(this.#pending);
    this.#pending = '';
    this.#dropping = false;
  }

  #take(piece: string, complete: boolean): void {
    const max = this.out.limits.maxLineLength;
    if (!this.#dropping) {
      this.#pending += piece;
      if (this.#pending.length > max) {
        this.#emit(`${this.#pending.slice(0, max)}… [rookery: line cut at ${max} characters]`);
        this.#pending = '';
        this.#dropping = true;
      } else if (complete) {
        this.#emit(this.#pending);
        this.#pending = '';
      }
    }
    if (complete) this.#dropping = false;
  }

  #emit(line: string): void {
    this.out.line(this.prefix + (line.endsWith('\r') ? line.slice(0, -1) : line));
  }
}

/** The last `maxChars` characters of a stream, and how many came before them. */
export class TextTail {
  #text = '';
  #cut = 0;

  /** @param maxChars - characters kept */
  constructor(private readonly maxChars: number) {}

  /** Takes a chunk of decoded text. */
  write(chunk: string): void {
    this.#text += chunk;
    // trim in steps, not on every chunk, so a chatty child costs linear time
    if (this.#text.length > 2 * this.maxChars) this.#trim();
  }

  /** The kept text and the number of characters cut before it. */
  read(): { text: string; cutChars: number } {
    this.#trim();
    return { text: this.#text, cutChars: this.#cut };
  }

  #trim(): void {
    const over = this.#text.length - this.maxChars;
    if (over <= 0) return;
    this.#text = this.#text.slice(over);
    this.#cut += over;
  }
}
