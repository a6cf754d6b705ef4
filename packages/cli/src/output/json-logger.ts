import { pino } from 'pino';
import { REDACTED_LOG_PATHS, type Logger } from '@rookery/core';
import type { TextSink } from '../context.js';

/**
 * A pino logger writing JSON lines to `out` (`rookery node --log json`): level `info` and up,
 * ISO `time`, `Authorization` headers of logged objects redacted.
 *
 * @param out - where the lines go (stdout)
 */
export function jsonLogger(out: TextSink): Logger {
  return pino(
    { level: 'info', timestamp: pino.stdTimeFunctions.isoTime, redact: [...REDACTED_LOG_PATHS] },
    { write: (line: string) => void out.write(line) },
  );
}
