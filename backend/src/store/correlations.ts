import { randomUUID } from 'node:crypto';
import type { Sql, TransactionSql } from 'postgres';
import { SYSTEM_ACTOR } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { toStorable } from '../domain/storable.js';
import type { CorrelationSourceName, FindingData, FindingSignal } from '../correlation/findings.js';
import type { TimeRange } from '../correlation/source.js';
import { queueNotifications } from './deliveries.js';
import { appendEvent } from './events.js';
import { insertSuggestedHypotheses, type EvidenceLink, type Hypothesis } from './hypotheses.js';
import { insertTimelineEvent } from './timeline.js';

export type SourceStatus = 'ok' | 'degraded' | 'failed' | 'skipped';
export type RunTrigger = 'created' | 'manual' | 'refresh';

export interface SourceRun {
  status: SourceStatus;
  message: string | null;
  durationMs: number | null;
  findings: number;
}

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
  window: TimeRange;
  baseline: TimeRange | null;
  changedAt: Date | null;
  exploreUrl: string | null;
  data: FindingData;
  computedAt: Date;
}

export interface CorrelationRun {
  id: string;
  incidentId: string;
  trigger: RunTrigger;
  startedAt: Date;
  finishedAt: Date | null;
  window: TimeRange;
  baseline: TimeRange;
  sources: Record<CorrelationSourceName, SourceRun>;
}

export interface CorrelationRecord {
  run: CorrelationRun | null;
  findings: Finding[];
}

/** A finished run as the engine hands it over: findings ranked, best first. */
export interface NewRun {
  incidentId: string;
  trigger: RunTrigger;
  startedAt: Date;
  finishedAt: Date;
  window: TimeRange;
  baseline: TimeRange;
  sources: Record<CorrelationSourceName, SourceRun>;
  findings: Array<Omit<Finding, 'id' | 'incidentId' | 'runId' | 'rank' | 'computedAt'>>;
}

/** A statement the engine suggests for the board, tied to the finding (by its rank in the run) behind it. */
export interface Suggestion {
  statement: string;
  findingRank: number;
  /** Also what identifies the suggestion across runs: the same signal is suggested once, whatever its numbers. */
  label: string;
}

type Db = Sql | TransactionSql;

interface RunRow {
  id: string;
  incidentId: string;
  trigger: RunTrigger;
  startedAt: Date;
  finishedAt: Date | null;
  windowStart: Date;
  windowEnd: Date;
  baselineStart: Date;
  baselineEnd: Date;
  sources: Record<CorrelationSourceName, SourceRun>;
}

interface FindingRow extends Omit<Finding, 'window' | 'baseline'> {
  windowStart: Date;
  windowEnd: Date;
  baselineStart: Date | null;
  baselineEnd: Date | null;
}

const toRun = (r: RunRow): CorrelationRun => ({
  id: r.id,
  incidentId: r.incidentId,
  trigger: r.trigger,
  startedAt: r.startedAt,
  finishedAt: r.finishedAt,
  window: { start: r.windowStart, end: r.windowEnd },
  baseline: { start: r.baselineStart, end: r.baselineEnd },
  sources: r.sources,
});

/** A `correlations` row (camelCased by the pool) as a Finding. */
export const toFinding = ({ windowStart, windowEnd, baselineStart, baselineEnd, ...rest }: FindingRow): Finding => ({
  ...rest,
  window: { start: windowStart, end: windowEnd },
  baseline: baselineStart && baselineEnd ? { start: baselineStart, end: baselineEnd } : null,
});

/**
 * A finding in its wire shape (src/api/types.ts `Finding`, ISO timestamps): what the API answers, and what a pin
 * freezes into the timeline's jsonb so a postmortem shows it weeks later, after the rows are gone.
 */
export type FrozenFinding = Omit<Finding, 'window' | 'baseline' | 'changedAt' | 'computedAt'> & {
  window: { start: string; end: string };
  baseline: { start: string; end: string } | null;
  changedAt: string | null;
  computedAt: string;
};

const isoWindow = (w: TimeRange) => ({ start: w.start.toISOString(), end: w.end.toISOString() });

export const frozenFinding = (f: Finding): FrozenFinding => ({
  ...f,
  window: isoWindow(f.window),
  baseline: f.baseline ? isoWindow(f.baseline) : null,
  changedAt: f.changedAt?.toISOString() ?? null,
  computedAt: f.computedAt.toISOString(),
});

/** The finding of this incident with this id, locked for the caller's transaction; undefined when there is none. */
export async function lockFinding(
  tx: TransactionSql,
  incidentId: string,
  findingId: string
): Promise<Finding | undefined> {
  const [row] = await tx<FindingRow[]>`
    select * from correlations where id = ${findingId} and incident_id = ${incidentId} for update`;
  return row && toFinding(row);
}

/** The latest finished run of the incident and its findings, ranked ({run: null} before the first). */
export async function latestCorrelation(sql: Db, incidentId: string): Promise<CorrelationRecord> {
  const [run] = await sql<RunRow[]>`
    select * from correlation_runs
    where incident_id = ${incidentId} and finished_at is not null
    order by finished_at desc, started_at desc limit 1`;
  if (!run) return { run: null, findings: [] };
  const findings = await sql<FindingRow[]>`select * from correlations where run_id = ${run.id} order by rank`;
  return { run: toRun(run), findings: findings.map(toFinding) };
}

/** The findings of each incident's latest finished run, ranked, in the order asked (none before the first run). */
export async function latestFindings(sql: Db, incidentIds: readonly string[]): Promise<Finding[][]> {
  const rows = await sql<FindingRow[]>`
    select c.* from correlations c
    where c.run_id in (
      select distinct on (incident_id) id from correlation_runs
      where incident_id = any(${[...incidentIds]}::uuid[]) and finished_at is not null
      order by incident_id, finished_at desc, started_at desc)
    order by c.rank`;
  const byIncident = new Map<string, Finding[]>();
  for (const row of rows) {
    const finding = toFinding(row);
    byIncident.set(finding.incidentId, [...(byIncident.get(finding.incidentId) ?? []), finding]);
  }
  return incidentIds.map((id) => byIncident.get(id) ?? []);
}

/** When the incident was last correlated (started), or null if never. */
export async function lastRunStartedAt(sql: Db, incidentId: string): Promise<Date | null> {
  const [row] = await sql<{ startedAt: Date }[]>`
    select started_at from correlation_runs where incident_id = ${incidentId} order by started_at desc limit 1`;
  return row?.startedAt ?? null;
}

/**
 * Unresolved incidents that need a run: never correlated (`created`), or last correlated longer than `refreshMs`
 * ago (`refresh`; 0 leaves those out). Never-correlated ones first, then the stalest.
 */
export async function incidentsDue(
  sql: Db,
  refreshMs: number,
  limit: number
): Promise<Array<{ id: string; trigger: RunTrigger }>> {
  const rows = await sql<{ id: string; lastRun: Date | null }[]>`
    select i.id, r.last_run
    from incidents i
    left join lateral (
      select max(started_at) as last_run from correlation_runs where incident_id = i.id
    ) r on true
    where i.resolved_at is null
      and (r.last_run is null
           or (${refreshMs}::bigint > 0 and r.last_run < now() - make_interval(secs => ${refreshMs / 1000})))
    order by r.last_run asc nulls first
    limit ${limit}`;
  return rows.map((r) => ({ id: r.id, trigger: r.lastRun ? 'refresh' : 'created' }));
}

const keyOf = (f: { source: string; service: string | null; signal: string }) =>
  `${f.source}|${f.service ?? ''}|${f.signal}`;

/** What a new run is compared with: the previous run's top findings and the suggestions already on the board. */
export interface PreviousState {
  topKeys: string;
  suggestedLabels: Set<string>;
}

/**
 * Read while the sources run (the engine holds the incident's lock, so nothing changes it meanwhile): saving then
 * needs no reads, only writes sent in one pipeline.
 */
export async function loadPreviousState(sql: Db, incidentId: string): Promise<PreviousState> {
  const [top, labels] = await Promise.all([
    sql<{ source: string; service: string | null; signal: string }[]>`
      select c.source, c.service, c.signal from correlations c
      where c.run_id = (select id from correlation_runs where incident_id = ${incidentId} and finished_at is not null
                        order by finished_at desc, started_at desc limit 1)
      order by c.rank limit 3`,
    sql<{ label: string }[]>`
      select e->>'label' as label from hypotheses h, jsonb_array_elements(h.evidence) e
      where h.incident_id = ${incidentId} and h.origin = 'suggested'`,
  ]);
  return { topKeys: top.map(keyOf).join(','), suggestedLabels: new Set(labels.map((r) => r.label)) };
}

/**
 * Stores a finished run and its findings in one transaction, with its outbox event (`correlation.completed`). The
 * timeline gets one `correlation_found` entry only when the top findings differ from the previous run's (a refresh
 * that sees the same picture says nothing), and each new suggestion a `hypothesis_added` one. The run's id is made
 * here so that the run, its findings and its event go to Postgres together (one round trip, not one each).
 */
export async function saveRun(
  sql: Sql,
  run: NewRun,
  previous: PreviousState,
  suggest: (findings: Finding[]) => Suggestion[]
): Promise<{ record: CorrelationRecord; hypotheses: Hypothesis[]; isNews: boolean }> {
  // Findings quote what Loki, Tempo and Prometheus returned (log lines, span names, label values), which may hold
  // NUL or broken UTF-16: stored with U+FFFD rather than losing the run to Postgres refusing them.
  const input = toStorable(run);
  const runId = randomUUID();
  return sql.begin(async (tx) => {
    const inserting = tx<RunRow[]>`
      insert into correlation_runs (id, incident_id, trigger, started_at, finished_at, window_start, window_end,
                                    baseline_start, baseline_end, sources)
      values (${runId}, ${input.incidentId}, ${input.trigger}, ${input.startedAt}, ${input.finishedAt},
              ${input.window.start}, ${input.window.end}, ${input.baseline.start}, ${input.baseline.end},
              ${tx.json(input.sources as never)})
      returning *`.catch((err: { code?: string }) => {
      if (err.code === '23503') {
        throw new AppError({
          code: 'INCIDENT_NOT_FOUND',
          message: `No incident with id ${input.incidentId}`,
          details: { id: input.incidentId },
        });
      }
      throw err;
    });
    const announcing = appendEvent(tx, {
      topic: `incident:${input.incidentId}`,
      type: 'correlation.completed',
      payload: {
        runId,
        incidentId: input.incidentId,
        trigger: input.trigger,
        findings: input.findings.length,
        sources: input.sources,
      },
      actor: SYSTEM_ACTOR.name,
    });
    let storing: Promise<FindingRow[]> = Promise.resolve([]);
    if (input.findings.length > 0) {
      const rows = input.findings.map((f, i) => ({
        run_id: runId,
        incident_id: input.incidentId,
        source: f.source,
        service: f.service,
        signal: f.signal,
        score: f.score,
        rank: i + 1,
        summary: f.summary,
        query: f.query,
        window_start: f.window.start,
        window_end: f.window.end,
        baseline_start: f.baseline?.start ?? null,
        baseline_end: f.baseline?.end ?? null,
        changed_at: f.changedAt,
        explore_url: f.exploreUrl,
        data: tx.json(f.data as never),
      }));
      storing = tx<FindingRow[]>`insert into correlations ${tx(rows)} returning *`;
    }
    const [runRow, inserted] = await Promise.all([inserting, storing, announcing]);
    const run = toRun(runRow[0]!);
    const findings = inserted.map(toFinding).sort((a, b) => a.rank - b.rank);
    const top = findings.slice(0, 3);
    const isNews = top.length > 0 && top.map(keyOf).join(',') !== previous.topKeys;
    if (isNews) {
      await insertTimelineEvent(tx, input.incidentId, SYSTEM_ACTOR, {
        type: 'correlation_found',
        message: `Correlation: ${top.map((f) => f.summary).join('; ')}`,
        data: { runId: run.id, findings: findings.length, top, sources: input.sources },
      });
      await queueNotifications(tx, input.incidentId, 'top_finding', top[0]!.summary);
    }
    const fresh = suggest(findings).filter((s) => !previous.suggestedLabels.has(s.label));
    const hypotheses = await insertNewSuggestions(tx, input.incidentId, fresh, findings);
    return { record: { run, findings }, hypotheses, isNews };
  });
}

/**
 * Suggestions the board does not hold yet (the caller filtered them by label: the numbers in a statement, "3 min
 * before", move from run to run, the signal behind it does not, so a refresh never adds a second card for it).
 */
async function insertNewSuggestions(
  tx: TransactionSql,
  incidentId: string,
  fresh: Suggestion[],
  findings: Finding[]
): Promise<Hypothesis[]> {
  if (fresh.length === 0) return [];
  return insertSuggestedHypotheses(
    tx,
    incidentId,
    fresh.map((s) => {
      const finding = findings.find((f) => f.rank === s.findingRank);
      const evidence: EvidenceLink[] = [{ ...(finding ? { findingId: finding.id } : {}), label: s.label }];
      return { statement: s.statement, evidence };
    })
  );
}
