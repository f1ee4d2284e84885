/**
 * Sales teams and salespeople: who an order is assigned to. The settings
 * name a team and, optionally, a salesperson of that team; with no fixed
 * salesperson a `round_robin` team hands new orders to its active
 * salespeople in turn.
 */
export const Assignment = { team_only: 'team_only', round_robin: 'round_robin' } as const;
export type Assignment = (typeof Assignment)[keyof typeof Assignment];

export interface Salesperson {
  id: string;
  teamId: string;
  name: string;
  email: string | null;
  active: boolean;
  createdAt: string;
}

export interface SalesTeam {
  id: string;
  name: string;
  assignment: Assignment;
  salespeople: Salesperson[];
  createdAt: string;
}

/** The team's active salespeople in their fixed order (oldest first), so turns are stable. */
export function rotation(team: SalesTeam): Salesperson[] {
  return team.salespeople.filter((p) => p.active).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

/** The salesperson whose turn `turn` (0, 1, 2, ...) is, or null when the team has nobody active. */
export function salespersonForTurn(team: SalesTeam, turn: number): Salesperson | null {
  const people = rotation(team);
  return people.length ? people[turn % people.length]! : null;
}

/** Whom a new order goes to, by name: the team, and a salesperson when one is chosen. */
export interface SalesAssignment {
  salesTeam: string;
  salesperson: string | null;
}

/**
 * Who a new order goes to, when that needs no turn of the rotation: the fixed
 * salesperson when the settings name one (and they are active), else the team
 * alone unless it assigns in round robin with someone active. `next_turn`:
 * the order takes the team's next turn (see salespersonForTurn); the turn
 * counter itself is the database's, so concurrent carts never share a turn.
 */
export function assignmentWithoutTurn(team: SalesTeam, fixedSalespersonId: string | null): SalesAssignment | 'next_turn' {
  const fixed = team.salespeople.find((p) => p.id === fixedSalespersonId && p.active);
  if (fixed) return { salesTeam: team.name, salesperson: fixed.name };
  if (team.assignment !== Assignment.round_robin || !team.salespeople.some((p) => p.active)) return { salesTeam: team.name, salesperson: null };
  return 'next_turn';
}
