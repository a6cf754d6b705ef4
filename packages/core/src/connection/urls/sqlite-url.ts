import type { UrlGrammar } from './url-grammar.js';

/**
 * SQLite URLs: `sqlite:./path.db`, `sqlite:/abs/path.db` (or `sqlite:///abs/path.db`) and
 * `sqlite::memory:`, with `tablePrefix`. A file has no TLS.
 */
export const sqliteUrl: UrlGrammar = {
  dialect: 'sqlite',
  schemes: ['sqlite:'],
  parameters: ['tablePrefix'],
  tls: () => undefined,
};
