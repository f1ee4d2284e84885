// @ts-check
// The back-office console's entry module: which page the address shows, drawn
// from the JSON API (the same routes and rules as every other client). No
// framework, no build step: the browser loads these ES modules as they are,
// and `npm run typecheck` checks them against the API's types (checkJs).
/** @import { Child } from '../dom-types.js' */
/** @import { Change } from './live.js' */
import { ApiError } from './api.js';
import { fill, h, redrawWith } from './dom.js';
import { followChanges } from './live.js';
import { orderPage } from './pages/order.js';
import { abandonedPage, ordersPage } from './pages/orders.js';
import { deliveriesPage } from './pages/deliveries.js';
import { returnsPage } from './pages/returns.js';
import { settingsPage } from './pages/settings.js';

/**
 * A page: its address, how it is drawn, its entry in the menu, and which
 * changes it shows (null: it never draws itself again, e.g. a settings form).
 * @typedef {[pattern: RegExp, draw: (match: RegExpExecArray) => Promise<Child>, nav: string | null, shows: ((change: Change, match: RegExpExecArray) => boolean) | null]} Page
 */

/**
 * Which changes a list shows. A cart being filled (a draft) is written at each
 * edit: only Abandoned carts follows drafts, and the sales lists ignore them
 * (an order never goes back to draft). A delivery's own event matters where
 * deliveries are listed; after a reconnection anything may have changed.
 */
const SALES = (/** @type {Change} */ c) => c.kind === 'reconnected' || (c.kind === 'order' && c.data.state !== 'draft');
const CARTS = (/** @type {Change} */ c) => c.kind === 'reconnected' || (c.kind === 'order' && c.data.state !== 'sale');
const ANY_ORDER = (/** @type {Change} */ c) => c.kind !== 'delivery';
const ANY = () => true;

/** @type {Page[]} */
const PAGES = [
  [/^\/console\/orders\/?$/, () => ordersPage('sale'), '/console/orders', SALES],
  [/^\/console\/unpaid\/?$/, () => ordersPage('sent'), '/console/unpaid', SALES],
  [/^\/console\/abandoned-carts\/?$/, abandonedPage, '/console/abandoned-carts', CARTS],
  [/^\/console\/orders\/([\w-]+)\/?$/, (m) => orderPage(m[1] ?? ''), null, (c, m) => c.kind === 'reconnected' || c.data.orderId === m[1]],
  [/^\/console\/deliveries\/?$/, deliveriesPage, '/console/deliveries', ANY],
  [/^\/console\/returns\/?$/, returnsPage, '/console/returns', ANY_ORDER],
  [/^\/console\/settings\/?$/, settingsPage, '/console/settings', null],
];

const main = /** @type {HTMLElement} */ (document.getElementById('main'));

let rendering = 0;
/**
 * Draws the page the address names; a later draw wins over one still loading.
 * A draw the live stream asked for (`live`) reads the page first and then
 * looks again: if the operator started writing while it loaded, it offers the
 * change instead of drawing over what they typed.
 */
async function render(live = false) {
  const mine = ++rendering;
  for (const [pattern, page, nav] of PAGES) {
    const match = pattern.exec(location.pathname);
    if (!match) continue;
    for (const a of document.querySelectorAll('header nav a')) {
      if (a.getAttribute('href') === (nav ?? '')) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    /** @type {Child} */
    let content;
    try {
      content = await page(match);
    } catch (e) {
      const notFound = e instanceof ApiError && e.status === 404;
      content = [h('h1', {}, notFound ? 'Not found' : 'Something went wrong'), h('p', { class: 'error', role: 'alert' }, e instanceof Error ? e.message : String(e))];
    }
    if (mine !== rendering) return;
    if (live && busy()) {
      offerChanges();
      return;
    }
    fill(main, content);
    main.dataset.ready = 'true';
    hint.hidden = true;
    hint.replaceChildren();
    return;
  }
  fill(main, [h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '/console/orders' }, 'Orders'))]);
}

/**
 * Whether the operator is writing in the page (a field has the focus or
 * holds something typed), waiting for an answer (an action is on its way) or
 * reading one (an alert is shown). Drawing the page again then would lose it, so a
 * change only shows the "updated" hint until they ask for it (or act).
 */
function busy() {
  // An action on its way: its answer is drawn beside its button when it comes.
  if (main.querySelector('form[data-sending]')) return true;
  // An answer the operator has not read yet (a refusal beside its button) stays until they act.
  for (const el of main.querySelectorAll('[role="alert"]')) {
    if ((el.textContent ?? '').trim() !== '') return true;
  }
  const active = document.activeElement;
  if (active && main.contains(active) && active.matches('input:not([readonly]), textarea, select')) return true;
  for (const el of main.querySelectorAll('input, textarea')) {
    const field = /** @type {HTMLInputElement | HTMLTextAreaElement} */ (el);
    if (!field.readOnly && field.value !== field.defaultValue) return true;
  }
  for (const el of main.querySelectorAll('select')) {
    if ([...el.options].some((o) => o.selected !== o.defaultSelected)) return true;
  }
  return false;
}

const hint = /** @type {HTMLElement} */ (document.getElementById('live'));
hint.addEventListener('click', (event) => {
  if (event.target instanceof HTMLButtonElement) redraw();
});

/**
 * Draws the page again, keeping the focus on the same link or button when it
 * is still there (a keyboard user does not start over at the top).
 */
async function redraw(live = false) {
  const active = document.activeElement;
  const again = active && main.contains(active) && (active.tagName === 'A' || active.tagName === 'BUTTON') ? [active.tagName, active.textContent] : null;
  await render(live);
  if (!again) return;
  const same = [...main.querySelectorAll(again[0] ?? '')].find((el) => el.textContent === again[1]);
  if (same instanceof HTMLElement) same.focus({ preventScroll: true });
}

/**
 * Changes come in bursts (an order and its delivery are written one after the
 * other): one draw for a burst. The first change of a burst sets the draw;
 * those before it starts join it (the draw reads the latest), those during it
 * set the next one, so a busy shop is drawn about once per SETTLE_MS, never starved.
 */
const SETTLE_MS = 300;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let pending;
followChanges((change) => {
  const shown = PAGES.find(([pattern]) => pattern.test(location.pathname));
  const match = shown?.[0].exec(location.pathname);
  if (!shown?.[3] || !match || !shown[3](change, match) || pending) return;
  pending = setTimeout(() => {
    pending = undefined;
    if (!busy()) {
      redraw(true);
      return;
    }
    offerChanges();
  }, SETTLE_MS);
});

/** The "updated" hint: the operator draws the page again when they are ready. */
function offerChanges() {
  fill(hint, h('p', { class: 'notice notice-live' }, 'This page has changed since it was drawn. ', h('button', { type: 'button' }, 'Show the changes')));
  hint.hidden = false;
}

redrawWith(render);
render();
