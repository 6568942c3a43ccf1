import type { Sql } from 'postgres';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import type { PostmortemEdits } from '../domain/postmortem.js';
import { appendEvent } from './events.js';
import { listHypotheses, type Hypothesis } from './hypotheses.js';
import { assertIncidentExists, getIncident, type Incident } from './incidents.js';
import type { FrozenFinding } from './correlations.js';
import { pinnedFindings } from './pins.js';
import { slosOfIncident, type Slo } from './slos.js';
import { listTimeline, type TimelineEvent } from './timeline.js';

export interface SavedPostmortem {
  edits: PostmortemEdits;
  version: number;
  updatedBy: string;
  updatedAt: Date;
}

/** Everything a postmortem is built from, read together. */
export interface PostmortemFacts {
  incident: Incident;
  timeline: TimelineEvent[];
  hypotheses: Hypothesis[];
  pinnedEvidence: FrozenFinding[];
  slos: Slo[];
  /** null until someone saves the review. */
  saved: SavedPostmortem | null;
}

interface Row {
  summary: string;
  impact: string;
  rootCause: string;
  lessons: string;
  followUps: PostmortemEdits['followUps'];
  version: number;
  updatedBy: string;
  updatedAt: Date;
}

const toSaved = ({ version, updatedBy, updatedAt, ...edits }: Row): SavedPostmortem => ({
  edits,
  version,
  updatedBy,
  updatedAt,
});

async function findSaved(sql: Sql, incidentId: string): Promise<SavedPostmortem | null> {
  const [row] = await sql<Row[]>`
    select summary, impact, root_cause, lessons, follow_ups, version, updated_by, updated_at
    from postmortems where incident_id = ${incidentId}`;
  return row ? toSaved(row) : null;
}

/** The incident (INCIDENT_NOT_FOUND if none), its timeline, board, pinned evidence, SLOs and saved review. */
export async function postmortemFacts(sql: Sql, incidentId: string): Promise<PostmortemFacts> {
  const incident = await getIncident(sql, incidentId);
  const [timeline, hypotheses, pinnedEvidence, slos, saved] = await Promise.all([
    listTimeline(sql, incidentId),
    listHypotheses(sql, incidentId),
    pinnedFindings(sql, incidentId),
    slosOfIncident(sql, incidentId),
    findSaved(sql, incidentId),
  ]);
  return { incident, timeline, hypotheses, pinnedEvidence, slos, saved };
}

/**
 * Saves what people wrote, under optimistic concurrency: version 0 creates the review (if nobody did meanwhile),
 * any other version must be the stored one. A stale version is VERSION_CONFLICT. The save goes to the incident's
 * live topic, so a review open in two browsers learns that the other changed it.
 */
export async function savePostmortem(
  sql: Sql,
  incidentId: string,
  version: number,
  edits: PostmortemEdits,
  actor: Actor
): Promise<SavedPostmortem> {
  return sql.begin(async (tx) => {
    await assertIncidentExists(tx, incidentId);
    const followUps = tx.json(edits.followUps as never);
    const [row] =
      version === 0
        ? await tx<Row[]>`
            insert into postmortems (incident_id, summary, impact, root_cause, lessons, follow_ups, updated_by)
            values (${incidentId}, ${edits.summary}, ${edits.impact}, ${edits.rootCause}, ${edits.lessons}, ${followUps},
                    ${actor.name})
            on conflict (incident_id) do nothing
            returning summary, impact, root_cause, lessons, follow_ups, version, updated_by, updated_at`
        : await tx<Row[]>`
            update postmortems set
              summary = ${edits.summary}, impact = ${edits.impact}, root_cause = ${edits.rootCause},
              lessons = ${edits.lessons}, follow_ups = ${followUps}, updated_by = ${actor.name},
              updated_at = date_trunc('milliseconds', now()), version = version + 1
            where incident_id = ${incidentId} and version = ${version}
            returning summary, impact, root_cause, lessons, follow_ups, version, updated_by, updated_at`;
    if (!row) {
      const [current] = await tx<
        { version: number }[]
      >`select version from postmortems where incident_id = ${incidentId}`;
      const currentVersion = current?.version ?? 0;
      throw new AppError({
        code: 'VERSION_CONFLICT',
        message: `The postmortem was changed by someone else (version ${currentVersion}, you sent ${version})`,
        details: { currentVersion },
      });
    }
    const saved = toSaved(row);
    await appendEvent(tx, {
      topic: `incident:${incidentId}`,
      type: 'postmortem.updated',
      payload: { incidentId, version: saved.version, updatedBy: saved.updatedBy, updatedAt: saved.updatedAt },
      actor: actor.name,
    });
    return saved;
  });
}
