import type { TaskOutcome } from '../datastore/datastore.js';
import { ValidationError } from '../errors/validation-error.js';
import type { Json } from '../json.js';
import { checkJson } from '../model/json-check.js';
import { storableText } from './attempt.js';

/** Default largest serialized result of an attempt, in UTF-8 bytes (256 KiB). */
export const DEFAULT_MAX_RESULT_BYTES = 262_144;

/** Largest value of `NodeOptions.maxResultBytes` (8 MiB: escaped, still under MariaDB's default 16 MiB `max_allowed_packet`). */
export const MAX_RESULT_BYTES_LIMIT = 8_388_608;

/** An outcome ready for the finish batcher, with the serialized size of its result (0 without one). */
export interface StorableOutcome {
  /** The outcome to commit: a completed one carries a plain-JSON copy of its result. */
  outcome: TaskOutcome;
  /** UTF-8 bytes of the serialized result. */
  resultBytes: number;
}

/**
 * Checks and serializes a completed outcome's result before it is committed, so that a result
 * the datastore could not store never reaches a batch: a result that is not plain JSON (a
 * bigint, a cycle, a class instance, NUL...) or whose serialization exceeds `maxResultBytes`
 * turns the outcome into a permanent failure whose error says why. The result committed is a
 * copy made from its serialization, so the executor changing its object later changes nothing.
 * Other outcomes pass unchanged.
 *
 * @param outcome - the outcome decided for the attempt
 * @param maxResultBytes - the node's `maxResultBytes`
 * @param nodeId - the node deciding, for the reason
 */
export function storableOutcome(outcome: TaskOutcome, maxResultBytes: number, nodeId: string): StorableOutcome {
  if (outcome.state !== 'completed' || outcome.result === null) return { outcome, resultBytes: 0 };
  const refuse = (why: string): StorableOutcome => ({
    outcome: {
      state: 'failed',
      error: storableText(`the attempt succeeded but its result cannot be stored: ${why}`),
      reason: `failed on node ${nodeId}: result refused`,
    },
    resultBytes: 0,
  });
  const result: unknown = outcome.result;
  if (result === undefined) return { outcome: { ...outcome, result: null }, resultBytes: 0 };
  try {
    checkJson(result, 'result');
  } catch (error) {
    if (error instanceof ValidationError) return refuse(error.message);
    throw error;
  }
  let text: string;
  try {
    text = JSON.stringify(result);
  } catch (error) {
    // a string longer than V8 can build
    if (error instanceof RangeError) return refuse(`its serialization failed: ${error.message}`);
    throw error;
  }
  const resultBytes = Buffer.byteLength(text, 'utf8');
  if (resultBytes > maxResultBytes)
    return refuse(`${resultBytes} bytes serialized, over the node's maxResultBytes of ${maxResultBytes}`);
  return { outcome: { ...outcome, result: JSON.parse(text) as Json }, resultBytes };
}
