/** Taxes per line, per order and per refund: the rule of domain/tax.ts on awkward cases. */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TAX_SETTINGS,
  isValidRate,
  rateOf,
  shippingRateOf,
  splitRefund,
  taxLine,
  taxOrder,
  taxSettingsProblems,
  type TaxBreakdown,
} from '../domain/tax.js';

const sumsUp = (b: TaxBreakdown) => {
  expect(b.untaxedAmount).toBe(b.taxes.reduce((s, t) => s + t.base, 0));
  expect(b.taxAmount).toBe(b.taxes.reduce((s, t) => s + t.amount, 0));
  expect(b.total).toBe(b.untaxedAmount + b.taxAmount);
};

describe('a line, prices including tax', () => {
  it('a 12.00 € mug at 20 % holds 2.00 € of VAT', () => {
    expect(taxLine(1200, 20, true)).toEqual({ base: 1000, tax: 200, total: 1200 });
  });
  it('9.99 € of books at 5.5 %: 0.52 € of tax, the untaxed part derived so the total stays 9.99 €', () => {
    // 999 × 5.5 / 105.5 = 52.08
    expect(taxLine(999, 5.5, true)).toEqual({ base: 947, tax: 52, total: 999 });
  });
  it('half a cent of tax rounds away from zero: 0.03 € at 20 % holds 0.5 ct → 1 ct', () => {
    expect(taxLine(3, 20, true)).toEqual({ base: 2, tax: 1, total: 3 });
  });
  it('the tax of a line is computed once on its amount, not per unit: 3 × 3.33 € at 20 % → 1.67 €, not 3 × 0.56 €', () => {
    // 999 / 6 = 166.5 → 167; per unit it would be 333 / 6 = 55.5 → 56, × 3 = 168.
    expect(taxLine(333 * 3, 20, true)).toEqual({ base: 832, tax: 167, total: 999 });
  });
  it('zero-rated goods carry no tax', () => {
    expect(taxLine(4550, 0, true)).toEqual({ base: 4550, tax: 0, total: 4550 });
  });
});

describe('a line, prices excluding tax', () => {
  it('1.00 € at 5.5 % is 5.5 ct → 6 ct (half away from zero)', () => {
    expect(taxLine(100, 5.5, false)).toEqual({ base: 100, tax: 6, total: 106 });
  });
  it('3 × 3.33 € at 5.5 %: 54.945 ct → 55 ct', () => {
    expect(taxLine(999, 5.5, false)).toEqual({ base: 999, tax: 55, total: 1054 });
  });
  it('a rate with 3 decimals is exact: 100.00 € at 8.125 % is 8.125 € → 8.13 €', () => {
    expect(taxLine(10_000, 8.125, false)).toEqual({ base: 10_000, tax: 813, total: 10_813 });
  });
  it('large amounts stay exact (no floating point)', () => {
    expect(taxLine(99_999_999 * 1000, 5.5, false).tax).toBe(5_499_999_945);
  });
});

describe('an order', () => {
  it('mixed rates, prices including tax, with the shipping fee taxed at the standard rate', () => {
    const order = taxOrder({
      pricesIncludeTax: true,
      lines: [
        { unitPrice: 1290, quantity: 2, taxRate: 20 }, // 2580 → tax 430
        { unitPrice: 999, quantity: 3, taxRate: 5.5 }, // 2997 → 2997 × 5.5 / 105.5 = 156.24 → 156
        { unitPrice: 350, quantity: 1, taxRate: 0 },
      ],
      shipping: { fee: 490, rate: shippingRateOf(DEFAULT_TAX_SETTINGS) }, // 490 / 6 = 81.67 → 82
    });
    expect(order.taxes).toEqual([
      { rate: 20, base: 2150 + 408, amount: 430 + 82 },
      { rate: 5.5, base: 2841, amount: 156 },
      { rate: 0, base: 350, amount: 0 },
    ]);
    expect(order.total).toBe(2580 + 2997 + 350 + 490);
    expect(order.shipping).toEqual({ base: 408, tax: 82, total: 490, rate: 20 });
    sumsUp(order);
  });

  it('prices excluding tax: the total is the lines plus their taxes', () => {
    const order = taxOrder({ pricesIncludeTax: false, lines: [{ unitPrice: 333, quantity: 3, taxRate: 5.5 }, { unitPrice: 1000, quantity: 1, taxRate: 20 }] });
    expect(order).toMatchObject({ untaxedAmount: 1999, taxAmount: 55 + 200, total: 2254 });
    sumsUp(order);
  });

  it('many small lines: each rounded on its own, the breakdown is their sum (no re-rounding at the end)', () => {
    const lines = Array.from({ length: 100 }, (_, i) => ({ unitPrice: 1 + (i % 7), quantity: 1 + (i % 3), taxRate: i % 2 ? 20 : 5.5 }));
    const order = taxOrder({ pricesIncludeTax: true, lines });
    const expectedTax = lines.reduce((s, l) => s + taxLine(l.unitPrice * l.quantity, l.taxRate, true).tax, 0);
    expect(order.taxAmount).toBe(expectedTax);
    expect(order.total).toBe(lines.reduce((s, l) => s + l.unitPrice * l.quantity, 0));
    expect(order.lines.every((l) => l.base + l.tax === l.total)).toBe(true);
    sumsUp(order);
  });

  it('no shipping fee, no shipping line', () => {
    expect(taxOrder({ pricesIncludeTax: true, lines: [{ unitPrice: 100, quantity: 1, taxRate: 20 }], shipping: { fee: 0, rate: 20 } }).shipping).toBeNull();
  });
});

describe('a refund split by rate', () => {
  const order = taxOrder({
    pricesIncludeTax: true,
    lines: [
      { unitPrice: 1290, quantity: 2, taxRate: 20 },
      { unitPrice: 999, quantity: 3, taxRate: 5.5 },
      { unitPrice: 350, quantity: 1, taxRate: 0 },
    ],
    shipping: { fee: 490, rate: 20 },
  });

  it('a full refund gives back the order breakdown exactly', () => {
    const refund = splitRefund(order.total, order);
    expect(refund).toEqual({ untaxedAmount: order.untaxedAmount, taxAmount: order.taxAmount, taxes: order.taxes, total: order.total });
  });

  it('a 1 cent refund goes to the rate that holds the most, with no tax in it', () => {
    const refund = splitRefund(1, order);
    expect(refund).toEqual({ untaxedAmount: 1, taxAmount: 0, taxes: [{ rate: 20, base: 1, amount: 0 }], total: 1 });
  });

  it('a partial refund is proportional and adds up exactly', () => {
    // Remaining by rate: 20 % 3070, 5.5 % 2997, 0 % 350; total 6417. 1000 × each / 6417 = 478.4, 467.0, 54.5.
    const refund = splitRefund(1000, order);
    expect(refund.taxes.map((t) => t.base + t.amount)).toEqual([478, 467, 55]);
    expect(refund.total).toBe(1000);
    // 20 %: 512 × 478 / 3070 = 79.7 → 80; 5.5 %: 156 × 467 / 2997 = 24.3 → 24.
    expect(refund.taxes).toEqual([
      { rate: 20, base: 398, amount: 80 },
      { rate: 5.5, base: 443, amount: 24 },
      { rate: 0, base: 55, amount: 0 },
    ]);
    sumsUp(refund);
  });

  it('partial refunds that reach the total give back the order breakdown, rate by rate', () => {
    const credited: TaxBreakdown[] = [];
    for (const amount of [1, 999, 2500, 1]) credited.push(splitRefund(amount, order, credited));
    credited.push(splitRefund(order.total - 3501, order, credited));
    for (const t of order.taxes) {
      const parts = credited.flatMap((c) => c.taxes.filter((x) => x.rate === t.rate));
      expect({ rate: t.rate, base: parts.reduce((s, x) => s + x.base, 0), amount: parts.reduce((s, x) => s + x.amount, 0) }).toEqual(t);
    }
    expect(() => splitRefund(1, order, credited)).toThrow(/exceeds/);
  });

  it('ties go to the higher rate, so the split is the same every time', () => {
    const even = taxOrder({ pricesIncludeTax: true, lines: [{ unitPrice: 100, quantity: 1, taxRate: 5.5 }, { unitPrice: 100, quantity: 1, taxRate: 20 }] });
    expect(splitRefund(1, even).taxes).toEqual([{ rate: 20, base: 1, amount: 0 }]);
    expect(splitRefund(3, even).taxes.map((t) => [t.rate, t.base + t.amount])).toEqual([
      [20, 2],
      [5.5, 1],
    ]);
  });

  it('refuses nothing, negative or fractional amounts', () => {
    expect(() => splitRefund(0, order)).toThrow();
    expect(() => splitRefund(1.5, order)).toThrow();
    expect(() => splitRefund(order.total + 1, order)).toThrow(/exceeds/);
  });
});

describe('tax settings', () => {
  it('a French shop by default', () => {
    expect(rateOf(DEFAULT_TAX_SETTINGS, 'reduced')).toBe(5.5);
    expect(DEFAULT_TAX_SETTINGS.pricesIncludeTax).toBe(true);
    expect(taxSettingsProblems(DEFAULT_TAX_SETTINGS, ['standard', 'reduced'])).toEqual([]);
  });
  it('rates are 0–100 with up to 3 decimals', () => {
    expect([0, 5.5, 20, 8.125, 100].every(isValidRate)).toBe(true);
    expect([-1, 100.001, 5.5555, Number.NaN].some(isValidRate)).toBe(false);
    const bad = { ...DEFAULT_TAX_SETTINGS, rates: { FR: { standard: 120, reduced: 5.5555 } } };
    expect(taxSettingsProblems(bad)).toHaveLength(2);
  });
  it('a class still used by a product, or the standard class, cannot go', () => {
    const problems = taxSettingsProblems({ ...DEFAULT_TAX_SETTINGS, rates: { FR: { zero: 0 } } }, ['reduced']);
    expect(problems.join('; ')).toMatch(/standard is required/);
    expect(problems.join('; ')).toMatch(/"reduced" still used by products/);
  });
  it('room for per-destination rates: a destination with its own rates, else the shop country', () => {
    const settings = { ...DEFAULT_TAX_SETTINGS, rates: { ...DEFAULT_TAX_SETTINGS.rates, DE: { standard: 19, reduced: 7 } } };
    expect(rateOf(settings, 'standard', 'DE')).toBe(19);
    expect(rateOf(settings, 'standard', 'BE')).toBe(20);
    expect(() => rateOf(settings, 'books')).toThrow(/books/);
  });
});
