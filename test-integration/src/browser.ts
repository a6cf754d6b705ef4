import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, which `.ci/run` installs; never a browser downloaded by Playwright. */
export const CHROMIUM_PATH = process.env['ROOKERY_CHROMIUM'] ?? '/usr/bin/chromium';

/** The flags of a headless, offline-quiet Chromium run as root in a container. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/**
 * True when Chromium is installed. Without it the browser tests fail under `CI=true` (`.ci/run`
 * installs it) and are skipped with a loud warning elsewhere.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env['CI'] === 'true')
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}; .ci/run installs it with apt-get install chromium`);
  console.warn(
    `\n!!! ${CHROMIUM_PATH} not found: the dashboard's browser tests are SKIPPED (apt-get install chromium to run them)\n`,
  );
  return false;
}

/** Starts headless Chromium through playwright-core. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}
