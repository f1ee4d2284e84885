/**
 * Taxes on an order, in minor units (cents), the same way everywhere: the
 * quotation's totals, the invoice, and the credit note of a refund.
 *
 * The rounding rule (the one written down, as French invoices require a
 * stated, constant method):
 * - Tax is computed **per line**, from the line's amount (unit price ×
 *   quantity, already a whole number of cents), and rounded to the cent
 *   **half away from zero** (0.5 ct → 1 ct). The shipping fee is one more line.
 * - Prices **excluding** tax: `base = amount`, `tax = round(base × rate)`,
 *   `total = base + tax`.
 * - Prices **including** tax (the usual B2C choice in the EU): the line's
 *   amount is its total; `tax = round(total × rate / (1 + rate))` and the
 *   untaxed part is derived, `base = total − tax`, so that base + tax is the
 *   price the customer saw, exactly, line by line.
 * - The order's `taxes` group its lines by rate: each rate's base and amount
 *   are the sums of its lines' (never re-rounded), so the breakdown always adds
 *   up to the total on the invoice.
 * Rates are percentages with at most 3 decimals (5.5, 20, 8.125); they are
 * computed exactly as integers of 1/1000 % (no floating point in a tax).
 *
 * A refund is split by rate in proportion to what each rate still holds of
 * the order (largest remainder, ties to the higher rate), and each part's tax
 * is that rate's remaining tax in the same proportion: a full refund gives
 * back the order's breakdown exactly, and successive partial refunds that
 * reach the total do too.
 */

import { DomainError } from './errors.js';

/** The classes every shop has; a shop may add its own (e.g. "books", "super_reduced"). */
export const TaxClass = { standard: 'standard', reduced: 'reduced', zero: 'zero' } as const;
export type TaxClass = (typeof TaxClass)[keyof typeof TaxClass];

/** A class name: a built-in one or a shop's own. */
export const TAX_CLASS_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;

/**
 * The shop's tax settings. Rates are keyed by country (ISO 3166-1 alpha-2),
 * then by class: one country today (the shop's own, `country`), room for
 * per-destination rates (EU OSS) later without changing the shape.
 */
export interface TaxSettings {
  /** Catalog prices (and the shipping fee) are what the customer pays, tax included. */
  pricesIncludeTax: boolean;
  /** The country whose rates apply (the shop's own). */
  country: string;
  /** Percent per class per country, e.g. `{ FR: { standard: 20, reduced: 5.5, zero: 0 } }`. */
  rates: Record<string, Record<string, number>>;
}

/** A French shop: VAT 20 % / 5.5 % / 0 %, prices shown tax included. */
export const DEFAULT_TAX_SETTINGS: TaxSettings = {
  pricesIncludeTax: true,
  country: 'FR',
  rates: { FR: { standard: 20, reduced: 5.5, zero: 0 } },
};

/** 1 % = 1000 units: every valid rate (3 decimals at most) is a whole number of units. */
const UNITS_PER_PERCENT = 1000;
const HUNDRED_PERCENT = 100n * BigInt(UNITS_PER_PERCENT);

export function isValidRate(rate: number): boolean {
  return Number.isFinite(rate) && rate >= 0 && rate <= 100 && Math.abs(rate * UNITS_PER_PERCENT - Math.round(rate * UNITS_PER_PERCENT)) < 1e-6;
}

function rateUnits(rate: number): bigint {
  if (!isValidRate(rate)) throw new RangeError(`A tax rate is a percentage between 0 and 100 with at most 3 decimals, not ${rate}.`);
  return BigInt(Math.round(rate * UNITS_PER_PERCENT));
}

/** numerator / denominator rounded half away from zero (denominator > 0). */
function divideRounded(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n;
  const n = negative ? -numerator : numerator;
  const q = (2n * n + denominator) / (2n * denominator);
  return negative ? -q : q;
}

/** The rate of a class in the shop's country (or a destination's, when it has its own rates). */
export function rateOf(settings: TaxSettings, taxClass: string, country: string = settings.country): number {
  const rates = settings.rates[country] ?? settings.rates[settings.country];
  const rate = rates?.[taxClass];
  if (rate === undefined) throw new RangeError(`No tax rate for class "${taxClass}" in ${country}.`);
  return rate;
}

/** The shipping fee is taxed at the standard rate. */
export function shippingRateOf(settings: TaxSettings, country: string = settings.country): number {
  return rateOf(settings, TaxClass.standard, country);
}

/** A product may only carry a class the shop's settings define. */
export function checkTaxClass(settings: TaxSettings, taxClass: string): void {
  const classes = taxClassesOf(settings);
  if (!classes.includes(taxClass)) {
    throw new DomainError('unknown_tax_class', `No tax class "${taxClass}": the shop's classes are ${classes.map((c) => `"${c}"`).join(', ')}. Add it under taxes.rates with PATCH /api/settings.`, {
      taxClass,
      classes,
    });
  }
}

export function taxClassesOf(settings: TaxSettings, country: string = settings.country): string[] {
  return Object.keys(settings.rates[country] ?? {});
}

export interface TaxedAmount {
  base: number;
  tax: number;
  total: number;
}

/** One line's tax, by the rule above. `amount` is the line's amount in cents (tax included or not, as the prices are). */
export function taxLine(amount: number, rate: number, pricesIncludeTax: boolean): TaxedAmount {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`A line amount is a whole number of cents, not ${amount}.`);
  const units = rateUnits(rate);
  const a = BigInt(amount);
  if (pricesIncludeTax) {
    const tax = Number(divideRounded(a * units, HUNDRED_PERCENT + units));
    return { base: amount - tax, tax, total: amount };
  }
  const tax = Number(divideRounded(a * units, HUNDRED_PERCENT));
  return { base: amount, tax, total: amount + tax };
}

export interface TaxAmount {
  /** Percent, e.g. 5.5. */
  rate: number;
  base: number;
  amount: number;
}

/** What an order, an invoice or a credit note shows. */
export interface TaxBreakdown {
  untaxedAmount: number;
  taxAmount: number;
  /** Per rate, highest rate first. */
  taxes: TaxAmount[];
  total: number;
}

export interface PricedLine {
  unitPrice: number;
  quantity: number;
  /** The rate the line was priced with: an order keeps it when the shop's rates change. */
  taxRate: number;
}

export interface TaxedOrder extends TaxBreakdown {
  lines: Array<TaxedAmount & { rate: number }>;
  shipping: (TaxedAmount & { rate: number }) | null;
}

/** Sums taxed lines into a breakdown, grouped by rate (bases and taxes summed, never re-rounded). */
export function breakdownOf(lines: ReadonlyArray<TaxedAmount & { rate: number }>): TaxBreakdown {
  const byRate = new Map<number, TaxAmount>();
  for (const line of lines) {
    const entry = byRate.get(line.rate) ?? { rate: line.rate, base: 0, amount: 0 };
    entry.base += line.base;
    entry.amount += line.tax;
    byRate.set(line.rate, entry);
  }
  const taxes = [...byRate.values()].sort((a, b) => b.rate - a.rate);
  const untaxedAmount = taxes.reduce((s, t) => s + t.base, 0);
  const taxAmount = taxes.reduce((s, t) => s + t.amount, 0);
  return { untaxedAmount, taxAmount, taxes, total: untaxedAmount + taxAmount };
}

/**
 * An order's taxes: every line, and the shipping fee (taxed at `shipping.rate`,
 * the standard rate — see shippingRateOf), by the rule in this module's header.
 */
export function taxOrder(input: { lines: readonly PricedLine[]; shipping?: { fee: number; rate: number } | null; pricesIncludeTax: boolean }): TaxedOrder {
  const lines = input.lines.map((l) => ({ ...taxLine(l.unitPrice * l.quantity, l.taxRate, input.pricesIncludeTax), rate: l.taxRate }));
  const shipping = input.shipping && input.shipping.fee > 0 ? { ...taxLine(input.shipping.fee, input.shipping.rate, input.pricesIncludeTax), rate: input.shipping.rate } : null;
  return { ...breakdownOf(shipping ? [...lines, shipping] : lines), lines, shipping };
}

/** What remains of a breakdown once the given credit notes are taken off, rate by rate. */
export function remainingOf(order: TaxBreakdown, credited: readonly TaxBreakdown[]): TaxAmount[] {
  return order.taxes.map((t) => {
    const taken = credited.flatMap((c) => c.taxes.filter((x) => x.rate === t.rate));
    return {
      rate: t.rate,
      base: t.base - taken.reduce((s, x) => s + x.base, 0),
      amount: t.amount - taken.reduce((s, x) => s + x.amount, 0),
    };
  });
}

/**
 * Splits a refund (an amount the customer gets back, tax included) by rate:
 * in proportion to what each rate still holds (base + tax, after the earlier
 * credit notes), the cents left over by rounding down going to the largest
 * remainders (ties: the higher rate); each part's tax is the rate's remaining
 * tax in the same proportion, half away from zero. The parts add up to the
 * amount exactly; refunding everything gives the order's breakdown back.
 */
export function splitRefund(amount: number, order: TaxBreakdown, credited: readonly TaxBreakdown[] = []): TaxBreakdown {
  const remaining = remainingOf(order, credited).filter((t) => t.base + t.amount > 0);
  const left = remaining.reduce((s, t) => s + t.base + t.amount, 0);
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new RangeError(`A refund is a positive whole number of cents, not ${amount}.`);
  if (amount > left) throw new RangeError(`A refund of ${amount} exceeds what remains of the order (${left}).`);
  const total = BigInt(left);
  const shares = remaining.map((t, index) => {
    const exact = BigInt(amount) * BigInt(t.base + t.amount);
    return { t, index, part: exact / total, remainder: exact % total };
  });
  let leftover = BigInt(amount) - shares.reduce((s, x) => s + x.part, 0n);
  const byRemainder = [...shares].sort((a, b) => (a.remainder === b.remainder ? b.t.rate - a.t.rate || a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  for (const share of byRemainder) {
    if (leftover === 0n) break;
    share.part += 1n;
    leftover -= 1n;
  }
  const taxes = shares
    .filter((s) => s.part > 0n)
    .map(({ t, part }) => {
      const tax = Number(divideRounded(BigInt(t.amount) * part, BigInt(t.base + t.amount)));
      return { rate: t.rate, base: Number(part) - tax, amount: tax };
    })
    .sort((a, b) => b.rate - a.rate);
  const untaxedAmount = taxes.reduce((s, t) => s + t.base, 0);
  const taxAmount = taxes.reduce((s, t) => s + t.amount, 0);
  return { untaxedAmount, taxAmount, taxes, total: untaxedAmount + taxAmount };
}

/**
 * What is wrong with tax settings: rates 0–100 with at most 3 decimals, class
 * names the API accepts, the standard class present (shipping is taxed at it),
 * the shop's country configured, and every class a product uses still there.
 */
export function taxSettingsProblems(settings: TaxSettings, classesInUse: readonly string[] = []): string[] {
  const problems: string[] = [];
  if (!/^[A-Z]{2}$/.test(settings.country)) problems.push(`taxes.country: "${settings.country}" is not an ISO 3166-1 alpha-2 code such as FR`);
  for (const [country, rates] of Object.entries(settings.rates)) {
    if (!/^[A-Z]{2}$/.test(country)) problems.push(`taxes.rates: "${country}" is not an ISO 3166-1 alpha-2 code such as FR`);
    for (const [taxClass, rate] of Object.entries(rates)) {
      if (!TAX_CLASS_PATTERN.test(taxClass)) problems.push(`taxes.rates.${country}: "${taxClass}" must be lowercase letters, digits and "_"`);
      if (!isValidRate(rate)) problems.push(`taxes.rates.${country}.${taxClass}: ${rate} must be a percentage between 0 and 100 with at most 3 decimals`);
    }
  }
  const own = settings.rates[settings.country];
  if (!own) {
    problems.push(`taxes.rates: no rates for the shop's country ${settings.country}`);
    return problems;
  }
  if (own[TaxClass.standard] === undefined) problems.push(`taxes.rates.${settings.country}.standard is required: the shipping fee is taxed at it`);
  const missing = [...new Set(classesInUse)].filter((c) => own[c] === undefined);
  if (missing.length) problems.push(`taxes.rates.${settings.country}: ${missing.map((c) => `"${c}"`).join(', ')} still used by products`);
  return problems;
}
