// @ts-check
// The console's client of the JSON API: one transport (the session cookie,
// the page's CSRF token on every change, the API's own sentence on a refusal)
// and one typed function per call the pages make. The types come from the
// contract's schemas (../api-types.ts), so a renamed field fails the typecheck.
/**
 * @import { ApiErrorBody, CancelRequest, ConfirmRequest, Delivery, Items, Order, OrderDetail, OrderList, RecordPaymentRequest, Refund, RefundRequest, Return,
 *   Salesperson, SalespersonPatch, SalespersonRequest, SalesTeam, SalesTeamPatch, SalesTeamRequest, Settings, SettingsPatch,
 *   TemplatePreview, TemplatePreviewRequest, ValidateRequest } from '../api-types.js'
 */
import { meta } from './dom.js';

const CSRF = meta('csrf-token');

export class ApiError extends Error {
  /**
   * @param {string} message the API's own sentence, shown as it is
   * @param {string} code
   * @param {number} status 0 when the API could not be reached
   */
  constructor(message, code, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/**
 * One call to the API; a refusal throws with the API's own sentence. The
 * answer's type is the caller's declaration (each function below). Fields
 * left undefined are not sent (JSON drops them): pages write bodies as plain
 * object literals, which the typecheck holds to the request's schema field
 * by field (a spread would escape that check).
 * @template T
 * @param {'GET' | 'POST' | 'PATCH'} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<T>}
 */
async function requestJson(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = CSRF;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    throw new ApiError('The API cannot be reached: check the connection and try again.', 'network', 0);
  }
  if (response.status === 401) {
    location.assign(`/console/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`);
    throw new ApiError('Your session has ended: sign in again.', 'unauthorized', 401);
  }
  const json = (response.headers.get('content-type') ?? '').includes('json') ? await response.json().catch(() => null) : null;
  if (!response.ok) {
    const refusal = /** @type {Partial<ApiErrorBody> | null} */ (json);
    throw new ApiError(refusal?.error?.message ?? `The API answered ${response.status}.`, refusal?.error?.code ?? 'error', response.status);
  }
  return json;
}

const at = encodeURIComponent;

// ------------------------------------------------------------------ orders
/** @param {URLSearchParams} query @returns {Promise<OrderList>} */
export const listOrders = (query) => requestJson('GET', `/api/orders?${query}`);
/** @param {URLSearchParams} query @returns {Promise<OrderList>} */
export const listAbandonedCarts = (query) => requestJson('GET', `/api/abandoned-carts?${query}`);
/** @param {string} id @returns {Promise<OrderDetail>} */
export const getOrder = (id) => requestJson('GET', `/api/orders/${at(id)}`);
/**
 * @typedef {{ id: string, number: string, kind: 'invoice' | 'credit_note', amount: number, untaxedAmount: number, taxAmount: number, currency: string, issuedAt: string }} InvoiceSummary
 */
/** An order's invoice and credit notes, in the order they were issued. @param {string} id @returns {Promise<{ items: InvoiceSummary[] }>} */
export const getOrderInvoices = (id) => requestJson('GET', `/api/orders/${at(id)}/invoices`);
/** @param {string} id @param {ConfirmRequest} body @returns {Promise<Order>} */
export const confirmOrder = (id, body) => requestJson('POST', `/api/orders/${at(id)}/confirm`, body);
/** @param {string} id @param {CancelRequest} body @returns {Promise<Order>} */
export const cancelOrder = (id, body) => requestJson('POST', `/api/orders/${at(id)}/cancel`, body);
/** @param {string} id @param {RefundRequest} body @returns {Promise<Refund>} */
export const refundOrder = (id, body) => requestJson('POST', `/api/orders/${at(id)}/refunds`, body);
/** Money received by hand on a confirmed offline order. @param {string} id @param {RecordPaymentRequest} body @returns {Promise<Order>} */
export const recordPayment = (id, body) => requestJson('POST', `/api/orders/${at(id)}/payments`, body);

// ------------------------------------------------------------------ warehouse
/** @param {Delivery['state']} state @returns {Promise<Items<Delivery>>} */
export const listDeliveries = (state) => requestJson('GET', `/api/deliveries?state=${at(state)}`);
/** @param {string} id @param {ValidateRequest} body @returns {Promise<Delivery>} */
export const validateDelivery = (id, body) => requestJson('POST', `/api/deliveries/${at(id)}/validate`, body);
/** @param {string} id */
export const labelUrl = (id) => `/api/deliveries/${at(id)}/label`;
/** @param {string} id @returns {Promise<Delivery>} */
export const getDelivery = (id) => requestJson('GET', `/api/deliveries/${at(id)}`);
/** @param {string} id @param {string} parcelId */
export const parcelLabelUrl = (id, parcelId) => `/api/deliveries/${at(id)}/parcels/${at(parcelId)}/label`;
/** @param {string} id @param {string} parcelId @returns {Promise<Delivery>} */
export const voidParcel = (id, parcelId) => requestJson('POST', `/api/deliveries/${at(id)}/parcels/${at(parcelId)}/void`);
/** @param {string} id @param {string} parcelId @returns {Promise<Delivery>} */
export const relabelParcel = (id, parcelId) => requestJson('POST', `/api/deliveries/${at(id)}/parcels/${at(parcelId)}/label`);
/** @param {Return['state']} state @returns {Promise<Items<Return>>} */
export const listReturns = (state) => requestJson('GET', `/api/returns?state=${at(state)}`);
/** @param {string} id @returns {Promise<Return>} */
export const receiveReturn = (id) => requestJson('POST', `/api/returns/${at(id)}/receive`);

// ------------------------------------------------------------------ settings
/** @returns {Promise<Settings>} */
export const getSettings = () => requestJson('GET', '/api/settings');
/** @param {SettingsPatch} body @returns {Promise<Settings>} */
export const changeSettings = (body) => requestJson('PATCH', '/api/settings', body);
/** @param {TemplatePreviewRequest} body @returns {Promise<TemplatePreview>} */
export const previewReminder = (body) => requestJson('POST', '/api/settings/abandoned-cart/preview', body);
/** @returns {Promise<Items<SalesTeam>>} */
export const listSalesTeams = () => requestJson('GET', '/api/sales-teams');
/** @param {SalesTeamRequest} body @returns {Promise<SalesTeam>} */
export const createSalesTeam = (body) => requestJson('POST', '/api/sales-teams', body);
/** @param {string} id @param {SalesTeamPatch} body @returns {Promise<SalesTeam>} */
export const changeSalesTeam = (id, body) => requestJson('PATCH', `/api/sales-teams/${at(id)}`, body);
/** @param {string} teamId @param {SalespersonRequest} body @returns {Promise<Salesperson>} */
export const addSalesperson = (teamId, body) => requestJson('POST', `/api/sales-teams/${at(teamId)}/salespeople`, body);
/** @param {string} id @param {SalespersonPatch} body @returns {Promise<Salesperson>} */
export const changeSalesperson = (id, body) => requestJson('PATCH', `/api/salespeople/${at(id)}`, body);
