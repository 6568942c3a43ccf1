import type { Sql, TransactionSql } from 'postgres';
import type { CorrelationSourceName, FindingData, FindingSignal } from '../correlation/findings.js';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { assertIncidentExists } from './incidents.js';
import { insertTimelineEvent, type TimelineEvent } from './timeline.js';

type Db = Sql | TransactionSql;

/**
 * A finding in its wire shape (src/api/types.ts `Finding`), timestamps already ISO strings: it is what a pin
 * freezes into the timeline's jsonb, and what a postmortem shows weeks later.
 */
export interface Finding {
  id: string;
  incidentId: string;
  runId: string;
  source: CorrelationSourceName;
  service: string | null;
  signal: FindingSignal;
  score: number;
  rank: number;
  summary: string;
  query: string;
  window: { start: string; end: string };
  baseline: { start: string; end: string } | null;
  changedAt: string | null;
  exploreUrl: string | null;
  data: FindingData;
  computedAt: string;
}

interface CorrelationRow {
  id: string;
  incidentId: string;
  runId: string;
  source: CorrelationSourceName;
  service: string | null;
  signal: FindingSignal;
  score: number;
  rank: number;
  summary: string;
  query: string;
  windowStart: Date;
  windowEnd: Date;
  baselineStart: Date | null;
  baselineEnd: Date | null;
  changedAt: Date | null;
  exploreUrl: string | null;
  data: FindingData;
  computedAt: Date;
}

const FINDING_COLUMNS =
  'id, incident_id, run_id, source, service, signal, score, rank, summary, query, window_start, window_end, ' +
  'baseline_start, baseline_end, changed_at, explore_url, data, computed_at';

/** A `correlations` row (camelCased by the pool) as the wire's Finding. */
export function toFinding(row: CorrelationRow): Finding {
  return {
    id: row.id,
    incidentId: row.incidentId,
    runId: row.runId,
    source: row.source,
    service: row.service,
    signal: row.signal,
    score: row.score,
    rank: row.rank,
    summary: row.summary,
    query: row.query,
    window: { start: row.windowStart.toISOString(), end: row.windowEnd.toISOString() },
    baseline:
      row.baselineStart && row.baselineEnd
        ? { start: row.baselineStart.toISOString(), end: row.baselineEnd.toISOString() }
        : null,
    changedAt: row.changedAt?.toISOString() ?? null,
    exploreUrl: row.exploreUrl,
    data: row.data,
    computedAt: row.computedAt.toISOString(),
  };
}

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
    const [row] = await tx<CorrelationRow[]>`
      select ${tx.unsafe(FINDING_COLUMNS)} from correlations
      where id = ${findingId} and incident_id = ${incidentId} for update`;
    if (!row) {
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
    const finding = toFinding(row);
    return insertTimelineEvent(tx, incidentId, actor, {
      type: 'evidence_pinned',
      message: `Pinned evidence: ${finding.summary}`,
      data: { finding, note },
    });
  });
}

/** The findings frozen by the incident's pins, in the order they were pinned. */
export async function pinnedFindings(sql: Db, incidentId: string): Promise<Finding[]> {
  const rows = await sql<{ finding: Finding }[]>`
    select data -> 'finding' as finding from timeline_events
    where incident_id = ${incidentId} and type = 'evidence_pinned'
    order by occurred_at, seq`;
  return rows.map((r) => r.finding);
}
