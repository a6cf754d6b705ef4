import { h } from './h.js';

/**
 * Asks the user to confirm a destructive action in a modal `<dialog>`. Resolves true when they
 * press the action's button, false on Cancel or Escape.
 */
export function confirmAction(title: string, detail: string, actionLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    const dialog = h(
      'dialog',
      { class: 'confirm', 'aria-label': title },
      h('h2', {}, title),
      h('p', {}, detail),
      h(
        'form',
        { method: 'dialog', class: 'actions' },
        h('button', { value: 'cancel', class: 'secondary' }, 'Cancel'),
        h('button', { value: 'confirm', class: 'danger', 'data-confirm': 'yes' }, actionLabel),
      ),
    );
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      dialog.remove();
    });
    document.body.appendChild(dialog);
    dialog.showModal();
  });
}
