import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file the dashboard serves, read once into memory. */
export interface DashboardAsset {
  /** The bytes. */
  body: Buffer;
  /** Its `content-type`. */
  contentType: string;
  /** A strong validator of the bytes, for `If-None-Match`. */
  etag: string;
}

/** Every file of the dashboard: the page, and the scripts and style sheet under `/ui/`. */
export interface DashboardAssets {
  /** The page served at `/`. */
  index: DashboardAsset;
  /** The files served at `/ui/<path>`, by path (`main.js`, `pages/overview-page.js`, `style.css`). */
  files: ReadonlyMap<string, DashboardAsset>;
}

/** Where the dashboard's files are. Both resolve alike from `src/dashboard/` and `dist/dashboard/`. */
export interface DashboardAssetDirs {
  /** The compiled scripts. @defaultValue the package's `dist/ui/` */
  scripts: string;
  /** `index.html` and `style.css`. @defaultValue the package's `dashboard/` */
  page: string;
}

/** The package's own dashboard files. */
export const DEFAULT_DASHBOARD_DIRS: DashboardAssetDirs = {
  scripts: fileURLToPath(new URL('../../dist/ui/', import.meta.url)),
  page: fileURLToPath(new URL('../../dashboard/', import.meta.url)),
};

/** The dashboard's scripts are missing: the package was not built (`npx tsc -b` builds them). */
export class DashboardNotBuiltError extends Error {
  /** Stable code of this error. */
  readonly code = 'DASHBOARD_NOT_BUILT';

  /** @param missing - the file that was looked for */
  constructor(readonly missing: string) {
    super(
      `the dashboard is not built: ${missing} does not exist; run npx tsc -b in the Rookery checkout (installed packages ship it built)`,
    );
    this.name = 'DashboardNotBuiltError';
  }
}

function asset(body: Buffer, contentType: string): DashboardAsset {
  return { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

function scriptsUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.js'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/**
 * Reads the dashboard's files into memory: `index.html`, `style.css` and every compiled `.js`
 * module. Throws {@link DashboardNotBuiltError} when the scripts are missing.
 */
export function loadDashboardAssets(dirs: DashboardAssetDirs = DEFAULT_DASHBOARD_DIRS): DashboardAssets {
  const main = join(dirs.scripts, 'main.js');
  if (!existsSync(main)) throw new DashboardNotBuiltError(main);
  const files = new Map<string, DashboardAsset>();
  for (const path of scriptsUnder(dirs.scripts))
    files.set(
      relative(dirs.scripts, path).split(sep).join('/'),
      asset(readFileSync(path), 'text/javascript; charset=utf-8'),
    );
  files.set('style.css', asset(readFileSync(join(dirs.page, 'style.css')), 'text/css; charset=utf-8'));
  return { index: asset(readFileSync(join(dirs.page, 'index.html')), 'text/html; charset=utf-8'), files };
}

/** Bytes of script a first load of the dashboard fetches: every module, since `main.js` imports them all. */
export function dashboardScriptBytes(assets: DashboardAssets): number {
  let total = 0;
  for (const [path, file] of assets.files) if (path.endsWith('.js')) total += file.body.length;
  return total;
}
