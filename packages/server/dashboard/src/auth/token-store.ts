/** Where the tab keeps its token: sessionStorage, so it lives as long as the tab and no cookie is ever sent. */
const KEY = 'rookery.token';

/** The tab's token, or null before sign-in. */
export function readToken(): string | null {
  return sessionStorage.getItem(KEY);
}

/** Keeps `token` for this tab. */
export function saveToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

/** Forgets the tab's token (sign out, or a token the server no longer knows). */
export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}
