/** A parsed hash route: `#/schedules/nightly?task=abc` → `{ path: ['schedules', 'nightly'], query: { task: 'abc' } }`. */
export interface Route {
  path: string[];
  query: URLSearchParams;
}

/** Parses `location.hash`. */
export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const mark = text.indexOf('?');
  const pathText = mark < 0 ? text : text.slice(0, mark);
  const path = pathText
    .split('/')
    .filter((part) => part !== '')
    .map((part) => decodeURIComponent(part));
  return { path, query: new URLSearchParams(mark < 0 ? '' : text.slice(mark + 1)) };
}

/** The hash of a route: `href('schedules', name)` → `#/schedules/<name>`, with query values left out when empty. */
export function href(...parts: (string | Record<string, string | undefined>)[]): string {
  const segments: string[] = [];
  const params = new URLSearchParams();
  for (const part of parts) {
    if (typeof part === 'string') segments.push(encodeURIComponent(part));
    else for (const [key, value] of Object.entries(part)) if (value) params.set(key, value);
  }
  const query = params.toString();
  return `#/${segments.join('/')}${query ? `?${query}` : ''}`;
}
