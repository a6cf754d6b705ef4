export { RookeryError, type RookeryErrorCode } from './rookery-error.js';
export { ValidationError } from './validation-error.js';
export { InvalidStateError } from './invalid-state-error.js';
export { NotFoundError } from './not-found-error.js';
export { DuplicateKeyError } from './duplicate-key-error.js';
export { LeaseLostError } from './lease-lost-error.js';
export { UnknownExecutorError } from './unknown-executor-error.js';
export { PermanentError } from './permanent-error.js';
export { DatastoreError, SchemaBehindError, SchemaTooNewError } from './datastore-error.js';
