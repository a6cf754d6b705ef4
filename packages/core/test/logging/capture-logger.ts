import type { LogFields, Logger } from '../../src/index.js';

/** One record a {@link captureLogger} took: its level, bindings merged with fields, and message. */
export interface CapturedRecord extends LogFields {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string | undefined;
}

/** A logger that keeps every record (bindings of its children merged in), as pino would write them. */
export function captureLogger(
  records: CapturedRecord[] = [],
  bindings: LogFields = {},
): Logger & { records: CapturedRecord[] } {
  const at =
    (level: CapturedRecord['level']) =>
    (fields: LogFields, msg?: string): void => {
      records.push({ ...bindings, ...fields, level, msg });
    };
  return {
    records,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => captureLogger(records, { ...bindings, ...more }),
  };
}
