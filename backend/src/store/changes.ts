import type { Sql, TransactionSql } from 'postgres';
import { AppError } from '../domain/errors.js';
import { afterPosition, type Position } from './page.js';

export const CHANGE_KINDS = ['deploy', 'config', 'feature_flag', 'infrastructure', 'other'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface Change {
  id: string;
  service: string | null;
  kind: ChangeKind;
  summary: string;
  description: string;
  author: string;
  url: string | null;
  labels: Record<string, string>;
  at: Date;
  createdAt: Date;
}

export interface NewChange {
  service?: string;
  kind: ChangeKind;
  summary: string;
  description?: string;
  author: string;
  url?: string;
  labels?: Record<string, string>;
  at?: Date;
}

export interface ChangeQuery {
  /** Changes of these services; `includeGlobal` adds the ones recorded without a service. */
  services?: string[];
  includeGlobal?: boolean;
  from?: Date;
  to?: Date;
  limit: number;
  /** Keyset position: changes strictly after this one, newest first. */
  after?: Position;
}

type Db = Sql | TransactionSql;

const SELECT = `c.id, s.name as service, c.kind, c.summary, c.description, c.author, c.url, c.labels, c.at, c.created_at`;

/** Records a deploy or config change; an unknown service is a 404 of the name the caller gave. */
export async function createChange(sql: Db, input: NewChange): Promise<Change> {
  let serviceId: string | null = null;
  if (input.service !== undefined) {
    const [row] = await sql<{ id: string }[]>`select id from services where name = ${input.service}`;
    if (!row) {
      throw new AppError({
        code: 'SERVICE_NOT_FOUND',
        message: `No service named ${input.service} in the catalog`,
        details: { name: input.service },
      });
    }
    serviceId = row.id;
  }
  const [row] = await sql<Change[]>`
    with inserted as (
      insert into changes (service_id, kind, summary, description, author, url, labels, at)
      values (${serviceId}, ${input.kind}, ${input.summary}, ${input.description ?? ''}, ${input.author},
              ${input.url ?? null}, ${sql.json(input.labels ?? {})},
              coalesce(${input.at ?? null}::timestamptz, date_trunc('milliseconds', now())))
      returning *
    )
    select ${sql.unsafe(SELECT)} from inserted c left join services s on s.id = c.service_id`;
  return row!;
}

/**
 * Changes newest first. With `services`, only theirs (plus global ones when `includeGlobal`); without, all.
 */
export async function listChanges(sql: Db, query: ChangeQuery): Promise<Change[]> {
  const services = query.services;
  const serviceFilter = services
    ? query.includeGlobal
      ? sql`and (s.name = any(${services}) or c.service_id is null)`
      : sql`and s.name = any(${services})`
    : sql``;
  return sql<Change[]>`
    select ${sql.unsafe(SELECT)} from changes c left join services s on s.id = c.service_id
    where true
      ${query.from ? sql`and c.at >= ${query.from}` : sql``}
      ${query.to ? sql`and c.at <= ${query.to}` : sql``}
      ${serviceFilter}
      and ${afterPosition(sql, query, [['c.at', 'timestamptz']], 'c.id', 'desc')}
    order by c.at desc, c.id desc
    limit ${query.limit}`;
}
