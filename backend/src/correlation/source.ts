/**
 * What the correlation engine asks of each evidence source (Prometheus, Loki, Tempo, changes). Each source runs
 * on its own, in parallel with the others, within the run's time budget: a source that throws is `failed`, one
 * that answers in part is `degraded`, and neither stops the others.
 */
import type { CorrelationSourceName, FindingData, FindingSignal } from './findings.js';

export interface TimeRange {
  start: Date;
  end: Date;
}

/** The queries a service's labels filled in (correlation/queries.ts), ready to send. */
export interface ServiceQuerySet {
  requestRate: string;
  errorRatio: string;
  latencyP95: string;
  errorLogs: string;
  traces: string;
}

export interface ServiceUnderInvestigation {
  name: string;
  labels: Record<string, string>;
  queries: ServiceQuerySet;
}

export interface CorrelationContext {
  incidentId: string;
  /** When the incident started (its startedAt). */
  incidentStart: Date;
  /** From a little before the incident started until now (or its resolution). */
  window: TimeRange;
  /** A window of normal behaviour just before `window`, to compare against. */
  baseline: TimeRange;
  services: ServiceUnderInvestigation[];
  /** Aborted when the run's time budget is spent: stop and return what you have (or throw). */
  signal: AbortSignal;
}

/** One finding as a source reports it; the engine adds ids, rank and run. */
export interface SourceFinding {
  service: string | null;
  signal: FindingSignal;
  /** 0–1: how far the signal moved from its baseline. */
  score: number;
  summary: string;
  query: string;
  window: TimeRange;
  baseline: TimeRange | null;
  changedAt: Date | null;
  exploreUrl: string | null;
  data: FindingData;
}

export interface SourceReport {
  /** `degraded`: some queries failed or were cut short; `message` says which. */
  status: 'ok' | 'degraded';
  message?: string;
  findings: SourceFinding[];
}

export interface EvidenceSource {
  readonly name: CorrelationSourceName;
  /** False when the source is not configured: the run reports it `skipped` without calling it. */
  readonly isConfigured: boolean;
  collect(context: CorrelationContext): Promise<SourceReport>;
}
