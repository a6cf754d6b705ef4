import type { ApiClient } from '../api/api-client.js';
import type { Offers } from '../api/capabilities.js';
import type { Role } from '../api/types.js';
import type { Route } from '../router.js';

/** What each page is given when the route shows it. */
export interface PageContext {
  /** The element the page fills. */
  root: HTMLElement;
  /** The API, with the tab's token. */
  api: ApiClient;
  /** The token's role: buttons it may not use are not shown. */
  role: Role;
  /** The operations the server offers: actions it lacks are not shown. */
  offers: Offers;
  /** The route that opened the page. */
  route: Route;
  /** Aborted when the user leaves the page: stops its refreshes, log follows and pending requests. */
  signal: AbortSignal;
}

/** A page: fills `context.root`. */
export type PageRenderer = (context: PageContext) => Promise<void> | void;

/**
 * Calls `load` now and then every `everyMs` until `signal` aborts, never two at once. An error
 * of `load` is handed to `onError` and the refreshes go on.
 */
export function refreshEvery(
  everyMs: number,
  signal: AbortSignal,
  load: () => Promise<void>,
  onError: (error: unknown) => void,
): void {
  const tick = async (): Promise<void> => {
    if (signal.aborted) return;
    try {
      await load();
    } catch (error) {
      if (!signal.aborted) onError(error);
    }
    if (!signal.aborted) setTimeout(() => void tick(), everyMs);
  };
  void tick();
}
