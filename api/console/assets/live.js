// @ts-check
// Live updates: the API's server-sent events (GET /api/events), one per
// projection written by the worker, so a page draws itself again when what it
// shows changes. EventSource reconnects by itself after a dropped stream; it
// gives up only when the API refuses it (an error status, the API down), so
// then this module tries again, slower each time. An event missed while the
// stream was down is made up by a `reconnected` change (the page is read
// again). The stream is closed while the tab is hidden: browsers allow only
// six connections per site, and a few forgotten tabs would use them up.
/** @import { DeliveryEvent, OrderEvent } from '../api-types.js' */

/** @typedef {{ kind: 'order', data: OrderEvent } | { kind: 'delivery', data: DeliveryEvent } | { kind: 'reconnected' }} Change */

const FIRST_RETRY_MS = 1_000;
const LAST_RETRY_MS = 30_000;

/**
 * Calls `onChange` for each change; `body[data-live]` says whether the stream is open.
 * @param {(change: Change) => void} onChange
 */
export function followChanges(onChange) {
  /** @type {EventSource | null} */
  let source = null;
  let retry = FIRST_RETRY_MS;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  // Anything may have changed while the stream was not open (the first opening included: the page may have been read before it).
  let missed = true;
  const state = (/** @type {string} */ value) => (document.body.dataset.live = value);

  const open = () => {
    clearTimeout(timer);
    const es = new EventSource('/api/events');
    source = es;
    es.addEventListener('open', () => {
      retry = FIRST_RETRY_MS;
      state('open');
      if (missed) onChange({ kind: 'reconnected' });
      missed = false;
    });
    es.addEventListener('order', (e) => onChange({ kind: 'order', data: /** @type {OrderEvent} */ (JSON.parse(e.data)) }));
    es.addEventListener('delivery', (e) => onChange({ kind: 'delivery', data: /** @type {DeliveryEvent} */ (JSON.parse(e.data)) }));
    es.addEventListener('error', () => {
      missed = true;
      state('reconnecting');
      if (es.readyState !== EventSource.CLOSED) return; // the browser is reconnecting
      source = null;
      timer = setTimeout(open, retry);
      retry = Math.min(retry * 2, LAST_RETRY_MS);
    });
  };
  const close = () => {
    clearTimeout(timer);
    source?.close();
    source = null;
    missed = true;
    state('paused');
  };

  document.addEventListener('visibilitychange', () => {
    if (document.hidden) close();
    else if (!source) open();
  });
  if (document.hidden) state('paused');
  else open();
}
