/** Error of the wake-signal transport: a session that failed, a malformed payload. */
export class WakeSignalsError extends Error {
  /**
   * @param message - what went wrong
   * @param options - the underlying error, if any
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WakeSignalsError';
  }
}
