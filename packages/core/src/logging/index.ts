export { noopLogger, type Logger, type LogFields, type LogMethod } from './logger.js';
export { redactSecrets, REDACTED_LOG_PATHS } from './redact-secrets.js';
export { taskBindings, taskLogger } from './task-logger.js';
export { logNodeLife, CLOCK_OFFSET_WARN_MS, type NodeLoggingOptions } from './node-logging.js';
