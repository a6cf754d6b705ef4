import { ValidationError } from './validation-error.js';

/**
 * An executor name that is neither built in nor offered by any registered node. A subclass of
 * {@link ValidationError} on the field `executor`.
 */
export class UnknownExecutorError extends ValidationError {
  /** The unknown name. */
  readonly executor: string;

  /**
   * @param executor - the name asked for
   * @param known - names that do exist, to help the caller
   */
  constructor(executor: string, known: readonly string[]) {
    super(
      'executor',
      `unknown executor '${executor}'; known: ${known.length ? known.join(', ') : '(none registered)'}` +
        ' (use force to create a schedule ahead of the nodes that will run it)',
    );
    this.executor = executor;
  }
}
