import type { Sql, TransactionSql } from 'postgres';
import { AppError } from '../domain/errors.js';

export interface Service {
  id: string;
  name: string;
  team: string | null;
  tier: number;
  description: string;
  labels: Record<string, string>;
  runbookUrl: string | null;
}

export interface NewService {
  name: string;
  team?: string | null;
  tier?: number;
  description?: string;
  labels?: Record<string, string>;
  runbookUrl?: string | null;
}

const COLUMNS = 'id, name, team, tier, description, labels, runbook_url';

export async function listServices(sql: Sql): Promise<Service[]> {
  return sql<Service[]>`select ${sql.unsafe(COLUMNS)} from services order by name`;
}

export async function createService(sql: Sql | TransactionSql, input: NewService): Promise<Service> {
  try {
    const [row] = await sql<Service[]>`
      insert into services (name, team, tier, description, labels, runbook_url)
      values (${input.name}, ${input.team ?? null}, ${input.tier ?? 3}, ${input.description ?? ''},
              ${sql.json(input.labels ?? { service: input.name })}, ${input.runbookUrl ?? null})
      returning ${sql.unsafe(COLUMNS)}`;
    return row!;
  } catch (err) {
    if ((err as { code?: string }).code === '23505') {
      throw new AppError({
        code: 'SERVICE_ALREADY_EXISTS',
        message: `A service named ${input.name} already exists`,
        details: { name: input.name },
      });
    }
    throw err;
  }
}

/**
 * Resolves catalog names to ids. Unknown names are a validation failure of the request that named them.
 */
export async function serviceIdsByName(sql: Sql | TransactionSql, names: string[]): Promise<Map<string, string>> {
  if (names.length === 0) return new Map();
  const rows = await sql<{ id: string; name: string }[]>`select id, name from services where name = any(${names})`;
  const ids = new Map(rows.map((r) => [r.name, r.id]));
  const unknown = names.filter((n) => !ids.has(n));
  if (unknown.length > 0) {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      message: `Unknown service${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`,
      details: { issues: [{ path: 'services', message: `not in the service catalog: ${unknown.join(', ')}` }] },
    });
  }
  return ids;
}
