// @ts-check
// The back-office console's entry module: which page the address shows, drawn
// from the JSON API (the same routes and rules as every other client). No
// framework, no build step: the browser loads these ES modules as they are,
// and `npm run typecheck` checks them against the API's types (checkJs).
/** @import { Child } from '../dom-types.js' */
import { ApiError } from './api.js';
import { fill, h, redrawWith } from './dom.js';
import { orderPage } from './pages/order.js';
import { abandonedPage, ordersPage } from './pages/orders.js';
import { deliveriesPage } from './pages/deliveries.js';
import { returnsPage } from './pages/returns.js';
import { settingsPage } from './pages/settings.js';

/** @typedef {[pattern: RegExp, draw: (match: RegExpExecArray) => Promise<Child>, nav: string | null]} Page */

/** @type {Page[]} */
const PAGES = [
  [/^\/console\/orders\/?$/, () => ordersPage('sale'), '/console/orders'],
  [/^\/console\/unpaid\/?$/, () => ordersPage('sent'), '/console/unpaid'],
  [/^\/console\/abandoned-carts\/?$/, abandonedPage, '/console/abandoned-carts'],
  [/^\/console\/orders\/([\w-]+)\/?$/, (m) => orderPage(m[1] ?? ''), null],
  [/^\/console\/deliveries\/?$/, deliveriesPage, '/console/deliveries'],
  [/^\/console\/returns\/?$/, returnsPage, '/console/returns'],
  [/^\/console\/settings\/?$/, settingsPage, '/console/settings'],
];

const main = /** @type {HTMLElement} */ (document.getElementById('main'));

let rendering = 0;
/** Draws the page the address names; a later draw wins over one still loading. */
async function render() {
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
    fill(main, content);
    main.dataset.ready = 'true';
    return;
  }
  fill(main, [h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '/console/orders' }, 'Orders'))]);
}

redrawWith(render);
render();
