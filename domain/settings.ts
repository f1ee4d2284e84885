import { isDuration } from './duration.js';

export const DeliverySteps = {
  ship_only: 'ship_only',
  pick_ship: 'pick_ship',
  pick_pack_ship: 'pick_pack_ship',
} as const;
export type DeliverySteps = (typeof DeliverySteps)[keyof typeof DeliverySteps];

export interface AbandonedCartSettings {
  enabled: boolean;
  /** Idle time before the reminder, e.g. "10h". */
  delay: string;
  subject: string;
  body: string;
}

export interface ShopSettings {
  shopName: string;
  currency: string;
  salesTeam: string;
  salesperson: string | null;
  abandonedCart: AbandonedCartSettings;
  deliverySteps: DeliverySteps;
  deliveryDoneEmail: boolean;
  returnWindowDays: number;
  /** Shown to customers who pay by wire transfer. */
  bankAccount: string;
}

export const DEFAULT_SETTINGS: ShopSettings = {
  shopName: 'Demo Shop',
  currency: 'EUR',
  salesTeam: 'Website',
  salesperson: null,
  abandonedCart: {
    enabled: true,
    delay: '10h',
    subject: 'You left something in your cart, {{customer_name}}',
    body:
      'Hello {{customer_name}},\n\nYour cart {{order_number}} is waiting for you:\n{{lines}}\n' +
      'Total: {{total}}\n\nPick up where you left off: {{recovery_link}}\n',
  },
  deliverySteps: DeliverySteps.ship_only,
  deliveryDoneEmail: true,
  returnWindowDays: 30,
  bankAccount: 'IBAN FR76 3000 6000 0112 3456 7890 189 (BIC AGRIFRPP)',
};

export function settingsProblems(s: ShopSettings): string[] {
  const problems: string[] = [];
  if (!isDuration(s.abandonedCart.delay)) problems.push('abandonedCart.delay must look like "90s", "30m", "10h" or "2d"');
  return problems;
}
