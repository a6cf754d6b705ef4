import { ValidationError } from './validation-error.js';

/**
 * An operation refused because of the state a schedule or task is in: resuming a `done`
 * schedule, retrying a completed task, running a retired schedule. A {@link ValidationError} on
 * field `state`: nothing was written.
 */
export class InvalidStateError extends ValidationError {
  /** What kind of row it is about. */
  readonly entity: 'schedule' | 'task';
  /** Its id. */
  readonly id: string;
  /** The state it is in, which the operation does not accept. */
  readonly state: string;

  /**
   * @param entity - the kind of row
   * @param id - its id
   * @param state - the state that refused the operation
   * @param message - what was refused and why
   */
  constructor(entity: 'schedule' | 'task', id: string, state: string, message: string) {
    super('state', message);
    this.entity = entity;
    this.id = id;
    this.state = state;
  }
}
