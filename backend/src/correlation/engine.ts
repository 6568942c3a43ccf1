/**
 * The correlation engine: for an incident, asks every evidence source in parallel within one time budget, ranks
 * what they found and stores it (store/correlations.ts). Scoring lives in domain/anomaly.ts and the sources; this is
 * the glue: windows, the budget, fault isolation, and at most one run at a time per incident.
 *
 * One run at a time: in this process, a second caller joins the run in flight; across replicas, a Postgres
 * session advisory lock on the incident (held on a connection of its own for the run, store/sessionLock.ts, released
 * by ending that session, and by Postgres itself if the connection dies) makes a second replica skip (refresh) or wait for the other's result
 * (manual).
 */
import { setMaxListeners } from 'node:events';
import { DependencyFailure } from '../resilience/policy.js';
import type { Logger } from '../observability/logger.js';
import type { Database } from '../store/db.js';
import { LockConnection } from '../store/sessionLock.js';
import { loadCorrelationSubject } from '../store/correlationSubject.js';
import {
  lastRunStartedAt,
  latestCorrelation,
  loadPreviousState,
  saveRun,
  type CorrelationRecord,
  type NewRun,
  type RunTrigger,
  type SourceRun,
} from '../store/correlations.js';
import { CORRELATION_SOURCES, type CorrelationSourceName } from './findings.js';
import { effectiveQueries, type QueryOverrides } from './queries.js';
import type { EvidenceSource, SourceFinding, SourceReport, TimeRange } from './source.js';
import { suggestHypotheses } from './suggestions.js';

export interface EngineOptions {
  db: Database;
  sources: EvidenceSource[];
  /** The whole run's time budget (CORRELATION_BUDGET_MS): a source still busy past it is `failed`. */
  budgetMs: number;
  /** How far before the incident's start its window begins (CORRELATION_LEAD_MINUTES). */
  leadMs: number;
  /** The baseline is as long as the window, within these bounds. */
  baselineMinMs?: number;
  baselineMaxMs?: number;
  /** Runs that are not manual are skipped when the last one started less than this ago (CORRELATION_REFRESH_MS). */
  refreshMs?: number;
  /** Findings below this score are noise and not stored. */
  minScore?: number;
  /** At most this many findings per source, best first. */
  maxPerSource?: number;
  /** Findings scoring at least this become suggested hypotheses. */
  suggestMinScore?: number;
  /** CORRELATION_DEFAULT_QUERIES: defaults replacing the built-in templates. */
  defaultQueries?: QueryOverrides;
  logger?: Logger;
  now?: () => Date;
}

const DEFAULTS = {
  baselineMinMs: 30 * 60_000,
  baselineMaxMs: 6 * 3_600_000,
  minScore: 0.1,
  maxPerSource: 10,
  suggestMinScore: 0.6,
};

/** Fixed key space for the advisory locks, so they cannot collide with another use of the same hash. */
const LOCK_NAMESPACE = 'reliability-studio:correlation:';

export class CorrelationEngine {
  private readonly inFlight = new Map<string, Promise<CorrelationRecord | null>>();
  private readonly options: Required<Omit<EngineOptions, 'logger' | 'defaultQueries' | 'now'>> &
    Pick<EngineOptions, 'logger' | 'defaultQueries'> & { now: () => Date };

  constructor(options: EngineOptions) {
    this.options = { ...DEFAULTS, refreshMs: 0, now: () => new Date(), ...options };
  }

  get sources(): readonly EvidenceSource[] {
    return this.options.sources;
  }

  /** CORRELATION_DEFAULT_QUERIES, for showing a service's effective queries. */
  get defaultQueries(): QueryOverrides {
    return this.options.defaultQueries ?? {};
  }

  /** The latest finished run and its findings. */
  latest(incidentId: string): Promise<CorrelationRecord> {
    return this.options.db.read((sql) => latestCorrelation(sql, incidentId));
  }

  /**
   * Correlates the incident now. Resolves with the stored run, or, when a run was already going (here: joined;
   * on another replica: waited for, manual only), with its result; null when a `created`/`refresh` run was not
   * needed after all (another replica did it). Throws only for the database or an unknown incident.
   */
  run(incidentId: string, trigger: RunTrigger): Promise<CorrelationRecord | null> {
    const running = this.inFlight.get(incidentId);
    if (running) return running;
    const promise = this.runLocked(incidentId, trigger).finally(() => this.inFlight.delete(incidentId));
    this.inFlight.set(incidentId, promise);
    return promise;
  }

  /** Resolves once every run in flight has finished (for shutdown). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.inFlight.values()]);
  }

  private async runLocked(incidentId: string, trigger: RunTrigger): Promise<CorrelationRecord | null> {
    const connection = LockConnection.open(this.options.db);
    const key = LOCK_NAMESPACE + incidentId;
    try {
      if (!(await connection.tryLock(key))) {
        if (trigger !== 'manual') return null;
        await this.waitForOtherReplica(connection, key);
        return await this.latest(incidentId);
      }
      if (trigger !== 'manual' && !(await this.isStillDue(incidentId, trigger))) return null;
      return await this.execute(incidentId, trigger);
    } finally {
      await connection.close();
    }
  }

  /** Another replica holds the lock: wait until it lets go (its result is then stored), within about a budget. */
  private async waitForOtherReplica(connection: LockConnection, key: string): Promise<void> {
    const deadline = Date.now() + this.options.budgetMs + 5000;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      // Held until the session ends (finally above): reading the other's result meanwhile is harmless.
      if (await connection.tryLock(key)) return;
    }
  }

  private async isStillDue(incidentId: string, trigger: RunTrigger): Promise<boolean> {
    const last = await this.options.db.read((sql) => lastRunStartedAt(sql, incidentId));
    if (!last) return true;
    if (trigger === 'created') return false;
    return this.options.now().getTime() - last.getTime() >= this.options.refreshMs;
  }

  private async execute(incidentId: string, trigger: RunTrigger): Promise<CorrelationRecord> {
    const { db, budgetMs, logger } = this.options;
    const subject = await db.read((sql) => loadCorrelationSubject(sql, incidentId));
    const startedAt = this.options.now();
    const { window, baseline } = this.windows(subject.startedAt, subject.resolvedAt, startedAt);
    const services = subject.services.map((s) => ({
      name: s.name,
      labels: s.labels,
      queries: effectiveQueries(s, this.options.defaultQueries),
    }));
    const controller = new AbortController();
    // Every query of every source listens to this one signal.
    setMaxListeners(Infinity, controller.signal);
    const timer = setTimeout(() => controller.abort(new BudgetExceeded(budgetMs)), budgetMs);
    const context = { incidentId, incidentStart: subject.startedAt, window, baseline, services, signal: controller.signal };
    // What the new run is compared with is read meanwhile, so storing it is writes only.
    const previousState = db.read((sql) => loadPreviousState(sql, incidentId));
    previousState.catch(() => undefined);
    const outcomes = await Promise.all(
      this.options.sources.map((source) => runSource(source, context, controller.signal))
    ).finally(() => clearTimeout(timer));
    const previous = await previousState;
    const collectedAt = Date.now();

    const sources = Object.fromEntries(
      CORRELATION_SOURCES.map((name) => [name, { status: 'skipped', message: 'not configured', durationMs: null, findings: 0 }])
    ) as Record<CorrelationSourceName, SourceRun>;
    const findings: NewRun['findings'] = [];
    for (const outcome of outcomes) {
      const kept = this.keep(outcome.findings);
      sources[outcome.name] = { ...outcome.run, findings: kept.length };
      findings.push(...kept.map((f) => ({ ...f, source: outcome.name })));
      if (outcome.run.status === 'failed') logger?.warn({ incidentId, source: outcome.name, err: outcome.error }, 'correlation: source failed');
    }
    findings.sort((a, b) => b.score - a.score);
    const { record, hypotheses } = await db.write((sql) =>
      saveRun(
        sql,
        { incidentId, trigger, startedAt, finishedAt: this.options.now(), window, baseline, sources, findings },
        previous,
        (stored) => suggestHypotheses(stored, subject.startedAt, this.options.suggestMinScore)
      )
    );
    logger?.info(
      {
        incidentId,
        trigger,
        findings: record.findings.length,
        suggested: hypotheses.length,
        collectMs: collectedAt - startedAt.getTime(),
        durationMs: Date.now() - startedAt.getTime(),
      },
      'correlation: run stored'
    );
    return record;
  }

  /** window = [start − lead, resolved ?? now]; baseline = as long, clamped, just before it. */
  private windows(startedAt: Date, resolvedAt: Date | null, now: Date): { window: TimeRange; baseline: TimeRange } {
    const start = new Date(startedAt.getTime() - this.options.leadMs);
    const endMs = Math.max(start.getTime() + 60_000, Math.min(now.getTime(), (resolvedAt ?? now).getTime()));
    const length = endMs - start.getTime();
    const baselineLength = Math.min(this.options.baselineMaxMs, Math.max(this.options.baselineMinMs, length));
    return {
      window: { start, end: new Date(endMs) },
      baseline: { start: new Date(start.getTime() - baselineLength), end: start },
    };
  }

  private keep(findings: SourceFinding[]): SourceFinding[] {
    return findings
      .map((f) => ({ ...f, score: Number.isFinite(f.score) ? Math.min(1, Math.max(0, f.score)) : 0 }))
      .filter((f) => f.score >= this.options.minScore)
      .sort((a, b) => b.score - a.score)
      .slice(0, this.options.maxPerSource);
  }
}

class BudgetExceeded extends Error {
  constructor(budgetMs: number) {
    super(`did not answer within the run's ${budgetMs} ms budget`);
    this.name = 'BudgetExceeded';
  }
}

interface SourceOutcome {
  name: CorrelationSourceName;
  run: Omit<SourceRun, 'findings'>;
  findings: SourceFinding[];
  error?: unknown;
}

/**
 * One source, isolated: skipped when not configured, failed when it throws or outlasts the budget (raced against
 * the signal, so a source that ignores it cannot hold the run), degraded when it says so.
 */
async function runSource(
  source: EvidenceSource,
  context: Parameters<EvidenceSource['collect']>[0],
  signal: AbortSignal
): Promise<SourceOutcome> {
  if (!source.isConfigured) {
    return { name: source.name, run: { status: 'skipped', message: 'not configured', durationMs: null }, findings: [] };
  }
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const report = await Promise.race<SourceReport>([
      source.collect(context),
      new Promise<never>((_, reject) => {
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      }),
    ]);
    return {
      name: source.name,
      run: { status: report.status, message: report.status === 'ok' ? null : (report.message ?? 'some queries failed'), durationMs: elapsed() },
      findings: report.findings,
    };
  } catch (err) {
    return { name: source.name, run: { status: 'failed', message: failureMessage(err, signal), durationMs: elapsed() }, findings: [], error: err };
  }
}

/** A short, safe reason: no stack, no URLs or addresses from a driver's message. */
export function failureMessage(err: unknown, signal?: AbortSignal): string {
  if (signal?.aborted && signal.reason instanceof BudgetExceeded) return signal.reason.message;
  if (err instanceof BudgetExceeded) return err.message;
  if (err instanceof DependencyFailure) return `unavailable (${err.reason.replace(/_/g, ' ')})`;
  const message = err instanceof Error ? err.message : String(err);
  const firstLine = message.split('\n')[0]!.replace(/\b(?:https?:\/\/|\d{1,3}(?:\.\d{1,3}){3})\S*/g, '…');
  return firstLine.length > 160 ? `${firstLine.slice(0, 157)}...` : firstLine || 'failed';
}
