// @ts-check
// Building the page: elements from plain values (text always goes in as
// text, never parsed as HTML), the page's sections and tables, and the forms
// that call the API.

/** @import { Child } from '../dom-types.js' */
/** @typedef {Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>} Props */
/**
 * A table column: its heading and how a row fills its cell.
 * @template T
 * @typedef {[string, (row: T) => Child]} Column
 */

/** @param {string} name */
export const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.getAttribute('content') ?? '';

/** @param {Element} el @param {Child} child */
function append(el, child) {
  if (Array.isArray(child)) for (const c of child) append(el, c);
  else if (child !== null && child !== undefined && child !== false) el.append(child instanceof Node ? child : String(child));
}

/**
 * Builds an element; strings become text nodes, so nothing from the API is ever parsed as HTML.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Props} [props] attributes; `class`; `on<event>` listeners
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = String(value);
    else if (typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

/** Replaces what an element holds. @param {Element} el @param {Child} content */
export function fill(el, content) {
  el.replaceChildren();
  append(el, content);
}

const notice = /** @type {HTMLElement} */ (document.getElementById('notice'));

/** The page's status line. @param {string} message @param {'ok'} [kind] */
export function say(message, kind = 'ok') {
  notice.replaceChildren(h('p', { class: `notice notice-${kind}` }, message));
}

/** A titled section of a page, labelled by its heading. @param {string} key @param {string} title @param {...Child} content */
export function section(key, title, ...content) {
  return h('section', { 'aria-labelledby': `${key}-title` }, h('h2', { id: `${key}-title` }, title), content);
}

/**
 * @template T
 * @param {string} caption read by screen readers
 * @param {Column<T>[]} columns
 * @param {T[]} rows
 * @param {string} empty what stands instead of an empty table
 */
export function table(caption, columns, rows, empty) {
  if (!rows.length) return h('p', { class: 'empty' }, empty);
  return h(
    'table',
    {},
    h('caption', { class: 'visually-hidden' }, caption),
    h('thead', {}, h('tr', {}, columns.map(([title]) => h('th', { scope: 'col' }, title)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, columns.map(([, cell]) => h('td', {}, cell(row)))))),
  );
}

/** @param {string} id @param {string} text @param {HTMLElement} control */
export function field(id, text, control) {
  return h('p', { class: 'field' }, h('label', { for: id }, text), control);
}
/** @param {string} id @param {Props} [props] */
export const input = (id, props = {}) => h('input', { id, name: props.name ?? id, ...props });
/** @param {string} id @param {Array<[string, string]>} options value and text @param {string} selected @param {Props} [props] */
export function select(id, options, selected, props = {}) {
  return h('select', { id, name: props.name ?? id, ...props }, options.map(([value, text]) => h('option', { value, selected: value === selected }, text)));
}

/** A form's text fields by name (the console's forms hold no files). @param {HTMLFormElement} form @returns {Record<string, string>} */
export function formValues(form) {
  /** @type {Record<string, string>} */
  const values = {};
  for (const [name, value] of new FormData(form)) if (typeof value === 'string') values[name] = value;
  return values;
}

/** How the page is drawn again after a change: set once by the entry module. */
let redraw = async () => {};
/** @param {() => Promise<void>} draw */
export function redrawWith(draw) {
  redraw = draw;
}

/**
 * A form that calls the API. On success: a notice and the page drawn again
 * from the API (or `after`, from the API's answer); on refusal: the API's
 * message beside the button, nothing else.
 * @template R
 * @param {{
 *   name: string,
 *   button: string,
 *   send: (values: Record<string, string>) => Promise<R>,
 *   fields?: Child,
 *   confirmText?: string,
 *   done: string | ((result: R) => string),
 *   after?: (result: R) => void,
 *   className?: string,
 * }} spec
 */
export function action({ name, button, send, fields = [], confirmText, done, after, className }) {
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit' }, button);
  const form = h('form', { class: `action ${className ?? ''}`, 'aria-label': name }, fields, submit, error);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (confirmText && !window.confirm(confirmText)) return;
    error.hidden = true;
    submit.disabled = true;
    // Sending: a live redraw now would replace this form, and its answer (a refusal beside the button) would be lost.
    form.dataset.sending = 'true';
    try {
      const result = await send(formValues(form));
      // The API's answer is the live state; lists catch up a moment later, so an `after` may draw from the answer.
      if (after) after(result);
      else await redraw();
      say(typeof done === 'function' ? done(result) : done);
    } catch (e) {
      error.textContent = e instanceof Error ? e.message : String(e);
      error.hidden = false;
      submit.disabled = false;
    } finally {
      delete form.dataset.sending;
    }
  });
  return form;
}

/**
 * The value a select built from `options` holds, typed as those options (the
 * API checks it again; this only keeps a stray value from being sent).
 * @template {string} T
 * @param {readonly T[]} options
 * @param {string | undefined} value
 * @returns {T}
 */
export function chosen(options, value) {
  const found = options.find((option) => option === value);
  if (found === undefined) throw new Error(`Choose one of: ${options.join(', ')}.`);
  return found;
}
