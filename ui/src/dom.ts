// A small element builder: the dashboard creates every node through here, never from HTML strings,
// so text from the API is always text (no injection), and the page runs under a strict CSP.

export type Child = Node | string | number | null | undefined | false | Child[];
type Handler = (event: Event) => void;
export type Attrs = Record<string, string | number | boolean | Handler | null | undefined>;

// Set as properties, not attributes: they are the live state of form controls. (`checked` stays an
// attribute, the default a form's reset() returns to.)
const PROPERTIES = new Set(['value', 'disabled', 'selected', 'hidden']);

function apply(el: Element, attrs: Attrs): void {
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (PROPERTIES.has(key)) (el as unknown as Record<string, unknown>)[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
}

function append(el: Element, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

export function svg(tag: string, attrs: Attrs = {}, ...children: Child[]): SVGElement {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  apply(el, attrs);
  append(el, children);
  return el;
}

/** Replaces an element's content. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** Says something to screen readers (and keeps the visible page as it is). */
export function announce(text: string): void {
  const el = document.getElementById('announcer');
  if (el !== null) el.textContent = text;
}

let fieldIds = 0;

/**
 * A labelled form field. The label names its control through `for` rather than by wrapping it, so the
 * control's accessible name is the label alone (a wrapped <select> would add its options' text).
 */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  control.id ||= `field-${++fieldIds}`;
  const hintEl = hint !== undefined ? h('span', { class: 'hint', id: `${control.id}-hint` }, hint) : null;
  if (hintEl !== null) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { class: 'label', for: control.id }, label), control, hintEl);
}

/** An error box for a failed request, focusable so keyboard users land on it. */
export function errorBox(error: unknown): HTMLElement {
  const message = error instanceof Error ? error.message : String(error);
  return h('p', { class: 'error', role: 'alert' }, message);
}

/**
 * Asks before an action with a modal dialog (Escape or Cancel says no). Resolves true to go ahead.
 * The dialog is removed afterwards and focus returns where it was.
 */
export function confirmAction(title: string, text: string, confirmLabel: string): Promise<boolean> {
  const back = document.activeElement as HTMLElement | null;
  return new Promise((resolve) => {
    const dialog = h(
      'dialog',
      { class: 'confirm', 'aria-labelledby': 'confirm-title' },
      h(
        'form',
        { method: 'dialog' },
        h('h2', { id: 'confirm-title' }, title),
        h('p', {}, text),
        h(
          'div',
          { class: 'buttons' },
          h('button', { value: 'cancel', type: 'submit' }, 'Go back'),
          h('button', { value: 'ok', type: 'submit', class: 'primary' }, confirmLabel),
        ),
      ),
    );
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'ok');
      dialog.remove();
      back?.focus();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
