import type { Sql, TransactionSql } from 'postgres';
import type { Actor } from '../domain/actor.js';
import { SYSTEM_ACTOR } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { assertIncidentExists } from './incidents.js';
import { insertTimelineEvent } from './timeline.js';
import { afterPosition, pageLimit, type Page } from './page.js';

export const HYPOTHESIS_STATUSES = ['open', 'confirmed', 'refuted'] as const;
export type HypothesisStatus = (typeof HYPOTHESIS_STATUSES)[number];

export interface EvidenceLink {
  findingId?: string;
  url?: string;
  label: string;
}

export interface Hypothesis {
  id: string;
  incidentId: string;
  statement: string;
  status: HypothesisStatus;
  owner: string | null;
  evidence: EvidenceLink[];
  origin: 'user' | 'suggested';
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  decisionNote: string | null;
  version: number;
}

export interface NewHypothesis {
  statement: string;
  owner?: string | null;
  evidence?: EvidenceLink[];
}

export interface HypothesisChanges {
  statement?: string;
  status?: HypothesisStatus;
  owner?: string | null;
  evidence?: EvidenceLink[];
  note?: string;
}

type Db = Sql | TransactionSql;

const COLUMNS =
  'id, incident_id, statement, status, owner, evidence, origin, created_by, created_at, updated_at, ' +
  'decided_by, decided_at, decision_note, version';

function notFound(incidentId: string, id: string): AppError {
  return new AppError({
    code: 'HYPOTHESIS_NOT_FOUND',
    message: `No hypothesis ${id} on incident ${incidentId}`,
    details: { incidentId, id },
  });
}

/**
 * The engine's suggestions, written once per incident: a statement already suggested (by an earlier run) is skipped
 * by the partial unique index, so a refresh never duplicates a card on the board. Each one actually inserted gets a
 * `hypothesis_added` timeline entry (and its outbox event) in the caller's transaction; those are returned.
 */
export async function insertSuggestedHypotheses(
  tx: TransactionSql,
  incidentId: string,
  suggestions: Array<{ statement: string; evidence: EvidenceLink[] }>
): Promise<Hypothesis[]> {
  const inserted: Hypothesis[] = [];
  for (const suggestion of suggestions) {
    const [row] = await tx<Hypothesis[]>`
      insert into hypotheses (incident_id, statement, evidence, origin, created_by)
      values (${incidentId}, ${suggestion.statement}, ${tx.json(suggestion.evidence as never)}, 'suggested',
              ${SYSTEM_ACTOR.name})
      on conflict (incident_id, statement) where origin = 'suggested' do nothing
      returning ${tx.unsafe(COLUMNS)}`;
    if (!row) continue;
    await insertTimelineEvent(tx, incidentId, SYSTEM_ACTOR, {
      type: 'hypothesis_added',
      message: `Suggested hypothesis: ${row.statement}`,
      data: { hypothesis: row },
    });
    inserted.push(row);
  }
  return inserted;
}

/** The incident's board, oldest first. */
export async function listHypotheses(sql: Db, incidentId: string, page?: Page): Promise<Hypothesis[]> {
  return sql<Hypothesis[]>`
    select ${sql.unsafe(COLUMNS)} from hypotheses
    where incident_id = ${incidentId} and ${afterPosition(sql, page, [['created_at', 'timestamptz']], 'id')}
    order by created_at, id ${pageLimit(sql, page)}`;
}

/**
 * Evidence may point at a finding only of this incident: a link to another incident's finding would show someone
 * else's data on this board (and in this postmortem).
 */
async function assertFindingsBelong(sql: Db, incidentId: string, evidence: EvidenceLink[]): Promise<void> {
  const ids = [...new Set(evidence.flatMap((e) => (e.findingId ? [e.findingId] : [])))];
  if (ids.length === 0) return;
  const rows = await sql<{ id: string }[]>`
    select id from correlations where incident_id = ${incidentId} and id = any(${ids}::uuid[])`;
  const known = new Set(rows.map((r) => r.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new AppError({
      code: 'VALIDATION_FAILED',
      message: `Evidence links to findings that are not this incident's: ${unknown.join(', ')}`,
      details: {
        issues: unknown.map((id) => ({ path: ['evidence'], message: `finding ${id} is not this incident's` })),
      },
    });
  }
}

/** A person's hypothesis: on the board and on the timeline (`hypothesis_added`), atomically. */
export async function createHypothesis(
  sql: Sql,
  incidentId: string,
  input: NewHypothesis,
  actor: Actor
): Promise<Hypothesis> {
  return sql.begin(async (tx) => {
    await assertIncidentExists(tx, incidentId);
    await assertFindingsBelong(tx, incidentId, input.evidence ?? []);
    const [row] = await tx<Hypothesis[]>`
      insert into hypotheses (incident_id, statement, owner, evidence, created_by)
      values (${incidentId}, ${input.statement}, ${input.owner ?? null}, ${tx.json((input.evidence ?? []) as never)},
              ${actor.name})
      returning ${tx.unsafe(COLUMNS)}`;
    await insertTimelineEvent(tx, incidentId, actor, {
      type: 'hypothesis_added',
      message: `Hypothesis: ${row!.statement}`,
      data: { hypothesis: row! },
    });
    return row!;
  });
}

const sameEvidence = (a: EvidenceLink[], b: EvidenceLink[]) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Edits a hypothesis under optimistic concurrency (stale version: 409 with the current one). Moving to confirmed or
 * refuted records who decided and when, and writes `hypothesis_decided`; reopening clears the decision (and is on
 * the timeline too, so the board's history shows the verdict was withdrawn). A request that changes nothing
 * returns the hypothesis untouched.
 */
export async function updateHypothesis(
  sql: Sql,
  incidentId: string,
  id: string,
  version: number,
  changes: HypothesisChanges,
  actor: Actor
): Promise<Hypothesis> {
  return sql.begin(async (tx) => {
    await assertIncidentExists(tx, incidentId);
    const [current] = await tx<Hypothesis[]>`
      select ${tx.unsafe(COLUMNS)} from hypotheses where id = ${id} and incident_id = ${incidentId} for update`;
    if (!current) throw notFound(incidentId, id);
    if (current.version !== version) {
      throw new AppError({
        code: 'VERSION_CONFLICT',
        message: `The hypothesis was changed by someone else (version ${current.version}, you sent ${version})`,
        details: { current },
      });
    }
    if (changes.evidence) {
      // Only links added now are checked: a link kept from before may point at a finding retention has since removed.
      const kept = new Set(current.evidence.map((e) => e.findingId).filter(Boolean));
      await assertFindingsBelong(
        tx,
        incidentId,
        changes.evidence.filter((e) => !e.findingId || !kept.has(e.findingId))
      );
    }

    const statement = changes.statement ?? current.statement;
    const owner = changes.owner !== undefined ? changes.owner : current.owner;
    const evidence = changes.evidence ?? current.evidence;
    const status = changes.status ?? current.status;
    const isDecisionChange = status !== current.status;
    const isEdit =
      statement !== current.statement || owner !== current.owner || !sameEvidence(evidence, current.evidence);
    if (!isDecisionChange && !isEdit) return current;

    const note = changes.note?.trim() || null;
    const [clock] = await tx<{ now: Date }[]>`select date_trunc('milliseconds', now()) as now`;
    const decision = !isDecisionChange
      ? { by: current.decidedBy, at: current.decidedAt, note: current.decisionNote }
      : status === 'open'
        ? { by: null, at: null, note: null }
        : { by: actor.name, at: clock!.now, note };
    const [row] = await tx<Hypothesis[]>`
      update hypotheses set
        statement = ${statement}, owner = ${owner}, evidence = ${tx.json(evidence as never)}, status = ${status},
        decided_by = ${decision.by}, decided_at = ${decision.at}, decision_note = ${decision.note},
        updated_at = ${clock!.now}, version = version + 1
      where id = ${id}
      returning ${tx.unsafe(COLUMNS)}`;
    const updated = row!;
    if (isDecisionChange) {
      await insertTimelineEvent(tx, incidentId, actor, {
        type: 'hypothesis_decided',
        message:
          status === 'open'
            ? `Hypothesis reopened: ${updated.statement}`
            : `Hypothesis ${status}: ${updated.statement}${note ? ` (${note})` : ''}`,
        data: { hypothesis: updated, note },
      });
    }
    return updated;
  });
}
