import type { Offers, Operation } from '../api/capabilities.js';
import type { Role } from '../api/types.js';
import { allows } from '../auth/roles.js';
import { confirmAction } from '../dom/confirm-dialog.js';
import { h } from '../dom/h.js';
import { describeError, notify } from '../dom/notice.js';

/** One operator action as a button. */
export interface ActionSpec {
  /** Button text. */
  label: string;
  /** Stable name for tests and styling (`data-action`). */
  name: string;
  /** The role the API requires for it: the button is not shown to a token without it. */
  needs: Role;
  /** The API operation it calls: the button is not shown when the server does not offer it. */
  operation: Operation;
  /** For a destructive action, the confirmation's question; the action runs only once confirmed. */
  confirm?: { title: string; detail: string };
  /** Calls the API. */
  run: () => Promise<unknown>;
  /** What to say when it succeeded. */
  done: string;
  /** After success (typically: reload the page's data). */
  after: () => void;
}

/** Who is asking and what the server offers: decides which buttons show. */
export interface ActionAccess {
  /** The token's role. */
  role: Role;
  /** The operations the server offers. */
  offers: Offers;
}

/** The button of an action, or null when the role may not use it or the server lacks it. Errors of the call are shown, never swallowed. */
export function actionButton(access: ActionAccess, spec: ActionSpec): HTMLButtonElement | null {
  if (!allows(access.role, spec.needs) || !access.offers(spec.operation)) return null;
  const button = h('button', { class: spec.confirm ? 'danger' : 'primary', 'data-action': spec.name }, spec.label);
  button.addEventListener('click', () => {
    void (async () => {
      if (spec.confirm && !(await confirmAction(spec.confirm.title, spec.confirm.detail, spec.label))) return;
      button.disabled = true;
      try {
        await spec.run();
        notify(spec.done);
        spec.after();
      } catch (error) {
        notify(`${spec.label} failed: ${describeError(error)}`, 'error');
      } finally {
        button.disabled = false;
      }
    })();
  });
  return button;
}
