import { RookeryError } from './rookery-error.js';

/** A schedule, task or node that was asked for by id or name does not exist. */
export class NotFoundError extends RookeryError {
  /** What kind of thing was looked up. */
  readonly entity: 'schedule' | 'task' | 'node';
  /** The id or name that matched nothing. */
  readonly key: string;

  /**
   * @param entity - the kind of row
   * @param key - the id or name looked up
   */
  constructor(entity: 'schedule' | 'task' | 'node', key: string) {
    super('NOT_FOUND', `no ${entity} '${key}'`);
    this.entity = entity;
    this.key = key;
  }
}
