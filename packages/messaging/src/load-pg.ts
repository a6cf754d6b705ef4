import { isPackageMissing, MissingDriverError } from '@rookery/core';
import type pg from 'pg';

/**
 * Loads the `pg` driver (an optional peer dependency of this package) on first use by wake
 * signals. Throws MissingDriverError when it is not installed.
 */
export async function loadPg(): Promise<typeof pg> {
  try {
    const namespace = (await import('pg')) as { default?: typeof pg };
    return namespace.default ?? (namespace as unknown as typeof pg);
  } catch (error) {
    if (isPackageMissing(error, 'pg')) throw new MissingDriverError('pg', 'PostgreSQL wake signals', { cause: error });
    throw error;
  }
}
