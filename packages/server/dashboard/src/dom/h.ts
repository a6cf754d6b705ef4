/** Something that can be placed in an element: nodes, text, numbers; null, undefined and false are skipped. */
export type Child = Node | string | number | null | undefined | false | readonly Child[];

/** Properties of {@link h}: `class`, `on<event>` listeners, booleans as present/absent attributes, other attributes as text. */
export type Props = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

/** Appends children to `parent`, flattening arrays. */
export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, ...(child as Child[]));
    else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Creates an element: `h('a', { href: '#/x', class: 'link' }, 'text')`. Text is always set as text, never as HTML. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, ...children);
  return element;
}

/** Replaces every child of `parent`. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}
