/** Who gets a new order, and which carts the operator's list calls abandoned, without any server. */
import { describe, expect, it } from 'vitest';
import { abandonedCartCriteria, hasSomethingToPay, isAbandonedCart, reminderBlocker, reminderPolicyOf } from '../domain/abandoned-cart.js';
import { newQuotation, type Order } from '../domain/order.js';
import { assignmentWithoutTurn, rotation, salespersonForTurn, type Salesperson, type SalesTeam } from '../domain/sales.js';
import { DEFAULT_SETTINGS } from '../domain/settings.js';

function person(id: string, name: string, createdAt: string, active = true): Salesperson {
  return { id, teamId: 'team_web', name, email: null, active, createdAt };
}

function team(assignment: SalesTeam['assignment'], salespeople: Salesperson[]): SalesTeam {
  return { id: 'team_web', name: 'Website', assignment, salespeople, createdAt: '2026-01-01T00:00:00.000Z' };
}

const ana = person('sp_a', 'Ana', '2026-01-02T00:00:00.000Z');
const ben = person('sp_b', 'Ben', '2026-01-03T00:00:00.000Z');
const cleo = person('sp_c', 'Cleo', '2026-01-04T00:00:00.000Z');

describe('the salesperson rotation', () => {
  it('hands turns to the active salespeople, oldest first, whatever order they are listed in', () => {
    const t = team('round_robin', [cleo, ana, ben]);
    expect(rotation(t).map((p) => p.name)).toEqual(['Ana', 'Ben', 'Cleo']);
    expect([0, 1, 2, 3, 4].map((turn) => salespersonForTurn(t, turn)?.name)).toEqual(['Ana', 'Ben', 'Cleo', 'Ana', 'Ben']);
  });

  it('skips a deactivated salesperson; the same creation time is ordered by id, so turns stay stable', () => {
    const twin = person('sp_0', 'Zoe', ana.createdAt);
    const t = team('round_robin', [ana, { ...ben, active: false }, twin]);
    expect(rotation(t).map((p) => p.name)).toEqual(['Zoe', 'Ana']);
    expect(salespersonForTurn(t, 3)?.name).toBe('Ana');
  });

  it('has nobody to hand a turn to when nobody is active', () => {
    expect(salespersonForTurn(team('round_robin', [{ ...ana, active: false }]), 0)).toBeNull();
  });
});

describe('assigning a new order', () => {
  it('goes to the fixed salesperson when the settings name one who is active', () => {
    expect(assignmentWithoutTurn(team('round_robin', [ana, ben]), 'sp_b')).toEqual({ salesTeam: 'Website', salesperson: 'Ben' });
    expect(assignmentWithoutTurn(team('team_only', [ana, ben]), 'sp_a')).toEqual({ salesTeam: 'Website', salesperson: 'Ana' });
  });

  it('a team_only team keeps the order to itself', () => {
    expect(assignmentWithoutTurn(team('team_only', [ana, ben]), null)).toEqual({ salesTeam: 'Website', salesperson: null });
  });

  it('a round_robin team takes a turn, unless the fixed salesperson left or nobody is active', () => {
    expect(assignmentWithoutTurn(team('round_robin', [ana, ben]), null)).toBe('next_turn');
    expect(assignmentWithoutTurn(team('round_robin', [ana, { ...ben, active: false }]), 'sp_b')).toBe('next_turn');
    expect(assignmentWithoutTurn(team('round_robin', [{ ...ana, active: false }]), null)).toEqual({ salesTeam: 'Website', salesperson: null });
  });
});

describe('abandoned carts in the list', () => {
  const NOW = Date.parse('2026-11-26T20:00:00.000Z');
  const mug = { sku: 'MUG', name: 'Mug', unitPrice: 1200, currency: 'EUR', type: 'storable' as const };

  function cart(lastActivity: string, lines = [{ product: mug, quantity: 1 }]): Order {
    return newQuotation(
      { id: 'ord_1', number: 'S00001', accessToken: 'tok', currency: 'EUR', customer: { loggedIn: false }, salesTeam: 'Website', salesperson: null, lines },
      lastActivity,
    ).order;
  }

  it("counts idleness from the first reminder's delay (10h by default)", () => {
    const criteria = abandonedCartCriteria(DEFAULT_SETTINGS.abandonedCart, NOW);
    expect(criteria).toEqual({ state: 'draft', totalAbove: 0, idleBefore: '2026-11-26T10:00:00.000Z' });
    expect(Date.parse(criteria.idleBefore)).toBe(NOW - reminderPolicyOf(DEFAULT_SETTINGS.abandonedCart).delaysMs[0]!);
    expect(isAbandonedCart(cart('2026-11-26T09:59:59.000Z'), criteria)).toBe(true);
    expect(isAbandonedCart(cart('2026-11-26T10:00:00.000Z'), criteria)).toBe(false);
  });

  it('follows the configured delay', () => {
    const criteria = abandonedCartCriteria({ ...DEFAULT_SETTINGS.abandonedCart, delay: '30m' }, NOW);
    expect(isAbandonedCart(cart('2026-11-26T19:00:00.000Z'), criteria)).toBe(true);
  });

  it('leaves out empty carts and orders past the quotation stage', () => {
    const criteria = abandonedCartCriteria(DEFAULT_SETTINGS.abandonedCart, NOW);
    const empty = cart('2026-11-20T00:00:00.000Z', []);
    expect(hasSomethingToPay(empty)).toBe(false);
    expect(reminderBlocker(empty)).toBe('nothing_to_pay');
    expect(isAbandonedCart(empty, criteria)).toBe(false);
    const sent = cart('2026-11-20T00:00:00.000Z');
    sent.state = 'sent';
    expect(isAbandonedCart(sent, criteria)).toBe(false);
  });
});
