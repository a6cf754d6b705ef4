import { ApiError } from '../api/api-error.js';
import { h } from './h.js';

/** The text an error shows: the API's message with the field at fault, when there is one. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.field ? `${error.message} (field: ${error.field})` : error.message;
  return error instanceof Error ? error.message : String(error);
}

/** Shows a short message at the top of the page for a few seconds; errors stay until dismissed. */
export function notify(message: string, kind: 'info' | 'error' = 'info'): void {
  const area = document.getElementById('notices');
  if (!area) return;
  const item = h(
    'div',
    { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    message,
    ' ',
    h('button', { class: 'link', 'aria-label': 'dismiss', onclick: () => item.remove() }, '×'),
  );
  area.appendChild(item);
  if (kind === 'info') setTimeout(() => item.remove(), 4_000);
}

/** An inline error box for a part of a page that could not load. */
export function errorBox(error: unknown): HTMLElement {
  return h('div', { class: 'notice error', role: 'alert' }, describeError(error));
}
