import { ApiClient } from '../api/api-client.js';
import { saveToken } from '../auth/token-store.js';
import { h, replace } from '../dom/h.js';
import { describeError } from '../dom/notice.js';

/**
 * The sign-in form: asks for an API token once, checks it with `GET /whoami` and keeps it in
 * the tab's sessionStorage (never a cookie). Calls `signedIn` with the checked token.
 */
export function renderSignInPage(root: HTMLElement, problem: string | null, signedIn: () => void): void {
  const input = h('input', {
    type: 'password',
    name: 'token',
    autocomplete: 'off',
    required: true,
    'aria-label': 'API token',
    placeholder: 'API token',
  });
  const message = h('p', { class: 'error', role: 'alert' }, problem ?? '');
  const form = h(
    'form',
    { class: 'sign-in', 'aria-label': 'sign in' },
    h('h1', {}, 'Rookery'),
    h(
      'p',
      {},
      'Enter an API token (given to the server with --token ROLE:TOKEN). It is kept for this tab only and sent as a bearer header, never as a cookie.',
    ),
    input,
    h('button', { class: 'primary', type: 'submit' }, 'Sign in'),
    message,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      const token = input.value.trim();
      try {
        await new ApiClient(token).whoami();
        saveToken(token);
        signedIn();
      } catch (error) {
        replace(message, `Sign-in failed: ${describeError(error)}`);
      }
    })();
  });
  replace(root, form);
  input.focus();
}
