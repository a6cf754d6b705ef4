import { h } from '../dom/h.js';

/** Server paging by opaque cursor: remembers the cursors of the pages before, for "Previous". */
export class CursorPager {
  #before: (string | undefined)[] = [];
  #current: string | undefined;
  #next: string | null = null;

  /** The cursor of the page to load now (undefined for the first). */
  get cursor(): string | undefined {
    return this.#current;
  }

  /** Records the `nextCursor` of the page just loaded. */
  loaded(nextCursor: string | null): void {
    this.#next = nextCursor;
  }

  /** Back to the first page (a filter changed). */
  reset(): void {
    this.#before = [];
    this.#current = undefined;
    this.#next = null;
  }

  /** The Previous / Next buttons; `reload` loads the page the pager now points at. */
  controls(reload: () => void): HTMLElement {
    const page = this.#before.length + 1;
    return h(
      'nav',
      { class: 'pager', 'aria-label': 'pages' },
      h(
        'button',
        {
          class: 'secondary',
          disabled: page === 1,
          onclick: () => {
            this.#current = this.#before.pop();
            reload();
          },
        },
        '← Previous',
      ),
      h('span', {}, `page ${page}`),
      h(
        'button',
        {
          class: 'secondary',
          disabled: this.#next === null,
          'data-next': 'page',
          onclick: () => {
            this.#before.push(this.#current);
            this.#current = this.#next ?? undefined;
            reload();
          },
        },
        'Next →',
      ),
    );
  }
}
