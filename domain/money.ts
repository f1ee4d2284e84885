/** Money is an integer number of minor units (cents) with an ISO 4217 currency. */
export function formatMoney(amount: number, currency: string): string {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).format(amount / 100);
}

export function lineSubtotal(unitPrice: number, quantity: number): number {
  return unitPrice * quantity;
}
