/**
 * What the console sends to and reads from the API, taken from the contract's
 * own zod schemas (../schemas.ts): the console's modules import these in their
 * JSDoc, and `npm run typecheck` checks them (checkJs), so a field renamed in
 * the contract fails the build instead of a page. Types only: nothing here is
 * served to the browser.
 */
import type { z } from 'zod';
import type {
  CancelBody,
  ConfirmBody,
  DeliveryEventSchema,
  DeliverySchema,
  ErrorBody,
  OrderDetailSchema,
  OrderEventSchema,
  OrderListSchema,
  OrderSchema,
  RecordPaymentBody,
  RefundBody,
  RefundSchema,
  ReturnSchema,
  SalespersonBody,
  SalespersonPatchBody,
  SalespersonSchema,
  SalesTeamBody,
  SalesTeamPatchBody,
  SalesTeamSchema,
  SettingsPatchBody,
  SettingsSchema,
  ValidateBody,
} from '../schemas.js';

// Answers (what the server sends: the schemas' output).
export type ApiErrorBody = z.output<typeof ErrorBody>;
export type Order = z.output<typeof OrderSchema>;
export type OrderList = z.output<typeof OrderListSchema>;
export type OrderDetail = z.output<typeof OrderDetailSchema>;
export type Delivery = z.output<typeof DeliverySchema>;
export type Return = z.output<typeof ReturnSchema>;
export type Refund = z.output<typeof RefundSchema>;
export type Settings = z.output<typeof SettingsSchema>;
export type SalesTeam = z.output<typeof SalesTeamSchema>;
export type Salesperson = z.output<typeof SalespersonSchema>;
export type Items<T> = { items: T[] };

/**
 * The reminder preview's request and answer. Their schemas are private to
 * api/routes/settings.ts; these mirror them until they move to ../schemas.ts.
 */
export interface TemplatePreviewRequest {
  subject?: string;
  body?: string;
}
export interface TemplatePreview {
  subject: string;
  text: string;
  html: string;
}

// Requests (what the server accepts: the schemas' input).
export type ConfirmRequest = z.input<typeof ConfirmBody>;
export type CancelRequest = z.input<typeof CancelBody>;
export type RefundRequest = z.input<typeof RefundBody>;
export type RecordPaymentRequest = z.input<typeof RecordPaymentBody>;
export type ValidateRequest = z.input<typeof ValidateBody>;
export type SettingsPatch = z.input<typeof SettingsPatchBody>;
export type SalesTeamRequest = z.input<typeof SalesTeamBody>;
export type SalesTeamPatch = z.input<typeof SalesTeamPatchBody>;
export type SalespersonRequest = z.input<typeof SalespersonBody>;
export type SalespersonPatch = z.input<typeof SalespersonPatchBody>;

// Server-sent events (GET /api/events): a projection was written.
export type OrderEvent = z.output<typeof OrderEventSchema>;
export type DeliveryEvent = z.output<typeof DeliveryEventSchema>;
