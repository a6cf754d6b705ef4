import { API_BASE } from './api-client.js';
import { errorOf } from './api-error.js';

/** An API operation, as the OpenAPI document names it: a method and a path template. */
export type Operation = `${'GET' | 'POST' | 'PATCH' | 'DELETE'} ${string}`;

/** Which operations the server offers; an action whose route the server lacks is not shown. */
export type Offers = (operation: Operation) => boolean;

/** `/schedules/{idOrName}/run` and `/schedules/:idOrName/run` read alike. */
function normalise(operation: string): string {
  return operation.replace(/\{[^}]+\}|:[^/]+/g, '{}');
}

/**
 * Reads `GET /api/v1/openapi.json` (public) and answers which operations the server offers, so
 * that actions added to the API in a later version (run now, retry) appear only where they exist.
 */
export async function loadOffers(): Promise<Offers> {
  const response = await fetch(`${API_BASE}/openapi.json`);
  if (!response.ok) throw await errorOf(response);
  const document = (await response.json()) as { paths?: Record<string, Record<string, unknown>> };
  const offered = new Set<string>();
  for (const [path, methods] of Object.entries(document.paths ?? {})) {
    for (const method of Object.keys(methods))
      offered.add(
        normalise(
          `${method.toUpperCase()} ${API_BASE}${path.startsWith(API_BASE) ? path.slice(API_BASE.length) : path}`,
        ),
      );
  }
  return (operation) =>
    offered.has(normalise(`${operation.split(' ')[0]} ${API_BASE}${operation.slice(operation.indexOf(' ') + 1)}`));
}
