/**
 * Business rejections, shared by the workflows (which raise them as
 * non-retryable ApplicationFailures whose `type` is the code) and the API
 * (which maps the code to an HTTP status). One table, so a rule and its
 * status can never drift apart.
 */
export const ErrorStatus = {
  // 400: malformed
  invalid_request: 400,
  // 401 / 403: access
  unauthorized: 401,
  forbidden: 403,
  // 404: unknown ids
  not_found: 404,
  order_not_found: 404,
  line_not_found: 404,
  product_not_found: 404,
  delivery_not_found: 404,
  label_not_found: 404,
  return_not_found: 404,
  sales_team_not_found: 404,
  salesperson_not_found: 404,
  parcel_not_found: 404,
  shipping_method_not_found: 404,
  invoice_not_found: 404,
  // 409: the order is not in a state that allows this
  cart_not_editable: 409,
  checkout_in_progress: 409,
  order_not_confirmable: 409,
  order_not_cancellable: 409,
  payment_method_locked: 409,
  payment_already_paid: 409,
  product_exists: 409,
  stock_not_reserved: 409,
  delivery_closed: 409,
  step_out_of_order: 409,
  step_in_progress: 409,
  return_already_received: 409,
  // The order asked its delivery to release the goods and had no answer in time: nothing changed, try again.
  delivery_not_answering: 409,
  sales_team_exists: 409,
  salesperson_exists: 409,
  parcel_shipped: 409,
  parcel_labelled: 409,
  parcel_label_voided: 409,
  payment_not_recordable: 409,
  order_not_confirmed: 409,
  // Money received by hand on a live order pays for it: it is refunded once the order is cancelled.
  order_not_paid_in_full: 409,
  // 422: well-formed but not allowed
  unknown_product: 422,
  currency_mismatch: 422,
  empty_cart: 422,
  nothing_to_pay: 422,
  contact_required: 422,
  too_many_lines: 422,
  quantity_out_of_range: 422,
  stock_below_reserved: 422,
  invalid_settings: 422,
  unknown_sales_team: 422,
  unknown_salesperson: 422,
  unknown_tax_class: 422,
  nothing_to_refund: 422,
  refund_not_supported: 422,
  refund_exceeds_paid: 422,
  partial_refund_not_supported: 422,
  payment_exceeds_due: 422,
  refund_through_provider: 422,
  payment_method_disabled: 422,
  order_not_delivered: 422,
  return_window_closed: 422,
  product_not_returnable: 422,
  return_exceeds_delivered: 422,
  parcel_split_invalid: 422,
  shipping_method_invalid: 422,
  shipping_method_disabled: 422,
  shipping_method_required: 422,
  // 413 / 429
  payload_too_large: 413,
  rate_limited: 429,
  // 5xx
  internal_error: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ErrorStatus;

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  get status(): number {
    return ErrorStatus[this.code];
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ErrorStatus, value);
}
