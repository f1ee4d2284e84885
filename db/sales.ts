/** Sales teams and salespeople, and the assignment of a new order to them. */
import { randomBytes } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import { DomainError } from '../domain/errors.js';
import { assignmentWithoutTurn, salespersonForTurn, type Assignment, type SalesAssignment, type Salesperson, type SalesTeam } from '../domain/sales.js';
import type { ShopSettings } from '../domain/settings.js';
import type { Db } from './index.js';
import { salespeople, salesTeams } from './schema.js';

const newId = (prefix: string) => `${prefix}_${randomBytes(9).toString('base64url')}`;

function toSalesperson(row: typeof salespeople.$inferSelect): Salesperson {
  return { id: row.id, teamId: row.teamId, name: row.name, email: row.email, active: row.active, createdAt: row.createdAt };
}

export async function listSalesTeams(db: Db): Promise<SalesTeam[]> {
  const [teams, people] = await Promise.all([
    db.select().from(salesTeams).orderBy(asc(salesTeams.createdAt), asc(salesTeams.id)),
    db.select().from(salespeople).orderBy(asc(salespeople.createdAt), asc(salespeople.id)),
  ]);
  return teams.map((t) => ({
    id: t.id,
    name: t.name,
    assignment: t.assignment,
    createdAt: t.createdAt,
    salespeople: people.filter((p) => p.teamId === t.id).map(toSalesperson),
  }));
}

export async function getSalesTeam(db: Db, id: string): Promise<SalesTeam | null> {
  const [[team], people] = await Promise.all([
    db.select().from(salesTeams).where(eq(salesTeams.id, id)),
    db.select().from(salespeople).where(eq(salespeople.teamId, id)).orderBy(asc(salespeople.createdAt), asc(salespeople.id)),
  ]);
  return team ? { id: team.id, name: team.name, assignment: team.assignment, createdAt: team.createdAt, salespeople: people.map(toSalesperson) } : null;
}

export async function createSalesTeam(db: Db, input: { name: string; assignment?: Assignment | undefined }): Promise<SalesTeam> {
  const [row] = await db
    .insert(salesTeams)
    .values({ id: newId('team'), name: input.name, assignment: input.assignment ?? 'team_only' })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new DomainError('sales_team_exists', `A sales team named "${input.name}" already exists.`, { name: input.name });
  return { id: row.id, name: row.name, assignment: row.assignment, createdAt: row.createdAt, salespeople: [] };
}

export async function updateSalesTeam(db: Db, id: string, patch: { name?: string | undefined; assignment?: Assignment | undefined }): Promise<SalesTeam> {
  const values: Partial<typeof salesTeams.$inferInsert> = {};
  if (patch.name !== undefined) values.name = patch.name;
  if (patch.assignment !== undefined) values.assignment = patch.assignment;
  if (Object.keys(values).length) {
    try {
      await db.update(salesTeams).set(values).where(eq(salesTeams.id, id));
    } catch (error) {
      if (isUniqueViolation(error)) throw new DomainError('sales_team_exists', `A sales team named "${patch.name}" already exists.`, { name: patch.name });
      throw error;
    }
  }
  const team = await getSalesTeam(db, id);
  if (!team) throw new DomainError('sales_team_not_found', 'No such sales team.');
  return team;
}

export async function addSalesperson(db: Db, teamId: string, input: { name: string; email?: string | undefined }): Promise<Salesperson> {
  const [team] = await db.select({ id: salesTeams.id }).from(salesTeams).where(eq(salesTeams.id, teamId));
  if (!team) throw new DomainError('sales_team_not_found', 'No such sales team.');
  const [row] = await db
    .insert(salespeople)
    .values({ id: newId('sp'), teamId, name: input.name, email: input.email ?? null })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new DomainError('salesperson_exists', `"${input.name}" is already in this team.`, { name: input.name });
  return toSalesperson(row);
}

export async function updateSalesperson(
  db: Db,
  id: string,
  patch: { name?: string | undefined; email?: string | null | undefined; active?: boolean | undefined },
): Promise<Salesperson> {
  const values: Partial<typeof salespeople.$inferInsert> = {};
  if (patch.name !== undefined) values.name = patch.name;
  if (patch.email !== undefined) values.email = patch.email;
  if (patch.active !== undefined) values.active = patch.active;
  let row: typeof salespeople.$inferSelect | undefined;
  try {
    [row] = Object.keys(values).length
      ? await db.update(salespeople).set(values).where(eq(salespeople.id, id)).returning()
      : await db.select().from(salespeople).where(eq(salespeople.id, id));
  } catch (error) {
    if (isUniqueViolation(error)) throw new DomainError('salesperson_exists', `"${patch.name}" is already in this team.`, { name: patch.name });
    throw error;
  }
  if (!row) throw new DomainError('salesperson_not_found', 'No such salesperson.');
  return toSalesperson(row);
}

function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause) if ((e as { code?: string }).code === '23505') return true;
  return false;
}

export type { SalesAssignment };

/**
 * Who a new order goes to (the rule is domain/sales.ts `assignmentWithoutTurn`);
 * a round-robin turn is taken from one atomic counter per team, so concurrent
 * carts never share a turn.
 */
export async function assignNewOrder(db: Db, settings: Pick<ShopSettings, 'salesTeamId' | 'salespersonId'>): Promise<SalesAssignment> {
  const team = await getSalesTeam(db, settings.salesTeamId);
  if (!team) return { salesTeam: settings.salesTeamId, salesperson: null };
  const assignment = assignmentWithoutTurn(team, settings.salespersonId);
  if (assignment !== 'next_turn') return assignment;
  const [turn] = await db
    .update(salesTeams)
    .set({ nextTurn: sql`${salesTeams.nextTurn} + 1` })
    .where(eq(salesTeams.id, team.id))
    .returning({ taken: sql<number>`${salesTeams.nextTurn} - 1` });
  return { salesTeam: team.name, salesperson: salespersonForTurn(team, Number(turn!.taken))?.name ?? null };
}
