/**
 * The one conversion between this codebase's amounts (always hundredths of
 * the currency, see domain/money.ts) and a provider's "smallest currency
 * unit", which Stripe defines per currency: none for zero-decimal currencies
 * (JPY: ¥500 is 500), thousandths for three-decimal ones (KWD).
 * https://docs.stripe.com/currencies#zero-decimal
 */
const ZERO_DECIMAL = new Set(['BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF', 'XPF']);
const THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

/** Our hundredths → the provider's minor units. Throws on an amount the currency cannot express (¥1.50). */
export function toProviderAmount(amount: number, currency: string): number {
  const code = currency.toUpperCase();
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`${amount} is not an amount in minor units`);
  if (ZERO_DECIMAL.has(code)) {
    if (amount % 100 !== 0) throw new RangeError(`${code} has no minor unit: ${amount / 100} cannot be charged`);
    return amount / 100;
  }
  if (THREE_DECIMAL.has(code)) return amount * 10;
  return amount;
}

/** The provider's minor units → our hundredths (rounded for three-decimal currencies). */
export function fromProviderAmount(amount: number, currency: string): number {
  const code = currency.toUpperCase();
  if (ZERO_DECIMAL.has(code)) return amount * 100;
  if (THREE_DECIMAL.has(code)) return Math.round(amount / 10);
  return amount;
}
