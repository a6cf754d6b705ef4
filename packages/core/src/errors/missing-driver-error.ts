import { RookeryError } from './rookery-error.js';

/**
 * A database driver that the URL's dialect needs is not installed: the drivers (`sqlite3`,
 * `pg`, `mysql2`, `tedious`) are optional peer dependencies, installed by the application for
 * the databases it uses. `packageName` is the npm package to install.
 */
export class MissingDriverError extends RookeryError {
  /**
   * @param packageName - the npm package to install
   * @param neededFor - what needs it, such as `the postgres datastore`
   * @param options - the module loader's error
   */
  constructor(
    readonly packageName: string,
    neededFor: string,
    options?: { cause?: unknown },
  ) {
    super(
      'MISSING_DRIVER',
      `${neededFor} needs the npm package '${packageName}', which is not installed; install it: npm install ${packageName}`,
      options,
    );
  }
}

/**
 * True when `error` (from `import(packageName)`) says that package itself cannot be found, as
 * opposed to an error inside it or one of its own dependencies missing.
 */
export function isPackageMissing(error: unknown, packageName: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  return typeof message === 'string' && (message.includes(`'${packageName}'`) || message.includes(`"${packageName}"`));
}
