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
