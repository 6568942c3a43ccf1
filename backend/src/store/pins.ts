import type { Sql, TransactionSql } from 'postgres';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { frozenFinding, lockFinding, type FrozenFinding } from './correlations.js';
import { assertIncidentExists } from './incidents.js';
import { insertTimelineEvent, type TimelineEvent } from './timeline.js';

type Db = Sql | TransactionSql;

/** The entry that pinned this finding, if any (a finding is pinned once per incident). */
async function findPin(sql: Db, incidentId: string, findingId: string): Promise<TimelineEvent | undefined> {
  const [row] = await sql<TimelineEvent[]>`
    select id, incident_id, type, occurred_at, author, source, message, data from timeline_events
    where incident_id = ${incidentId} and type = 'evidence_pinned' and data -> 'finding' ->> 'id' = ${findingId}
    limit 1`;
  return row;
}

/**
 * Freezes a finding into the timeline (`evidence_pinned`, data `{ finding, note }`): the copy carries the result
 * data, so it outlives the correlation rows that retention or a re-run may delete. Pinning a finding already pinned
 * is 409 EVIDENCE_ALREADY_PINNED with the existing entry, so a second click cannot add a twin or lose a note
 * silently. The finding's row is locked while checking, so two people pinning at once get one entry.
 */
export async function pinFinding(
  sql: Sql,
  incidentId: string,
  findingId: string,
  note: string | null,
  actor: Actor
): Promise<TimelineEvent> {
  return sql.begin(async (tx) => {
    await assertIncidentExists(tx, incidentId);
    const found = await lockFinding(tx, incidentId, findingId);
    if (!found) {
      throw new AppError({
        code: 'FINDING_NOT_FOUND',
        message: `No finding ${findingId} on incident ${incidentId}`,
        details: { incidentId, id: findingId },
      });
    }
    const existing = await findPin(tx, incidentId, findingId);
    if (existing) {
      throw new AppError({
        code: 'EVIDENCE_ALREADY_PINNED',
        message: `This finding was already pinned by ${existing.author}`,
        details: { current: existing },
      });
    }
    const finding = frozenFinding(found);
    return insertTimelineEvent(tx, incidentId, actor, {
      type: 'evidence_pinned',
      message: `Pinned evidence: ${finding.summary}`,
      data: { finding, note },
    });
  });
}

/** The findings frozen by the incident's pins, in the order they were pinned. */
export async function pinnedFindings(sql: Db, incidentId: string): Promise<FrozenFinding[]> {
  const rows = await sql<{ finding: FrozenFinding }[]>`
    select data -> 'finding' as finding from timeline_events
    where incident_id = ${incidentId} and type = 'evidence_pinned'
    order by occurred_at, seq`;
  return rows.map((r) => r.finding);
}
