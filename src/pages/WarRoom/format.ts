import type { BadgeColor } from '@grafana/ui';
import type { CorrelationSource, FindingData, FindingSignal, HypothesisStatus, SourceStatus } from '../../api/types';

/** Elapsed time as "42m 05s", "3h 02m", "2d 4h": precise while it is short, readable when it is long. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (days > 0) {
    return `${days}d ${hours}h`;
  }
  if (hours > 0) {
    return `${hours}h ${pad(minutes)}m`;
  }
  return `${minutes}m ${pad(seconds)}s`;
}

/** The incident's duration: until it was resolved, or until now while it is not. */
export function incidentDurationMs(startedAt: string, resolvedAt: string | null, now: number): number {
  const end = resolvedAt ? Date.parse(resolvedAt) : now;
  return end - Date.parse(startedAt);
}

/** Wall-clock time of an ISO timestamp, with the date when it is not today. */
export function formatTime(iso: string, now = Date.now()): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) {
    return '—';
  }
  const sameDay = new Date(now).toDateString() === d.toDateString();
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return sameDay ? time : `${d.toLocaleDateString()} ${time}`;
}

export const SOURCE_LABELS: Record<CorrelationSource, string> = {
  prometheus: 'Prometheus',
  loki: 'Loki',
  tempo: 'Tempo',
  change: 'Changes',
};

export const SIGNAL_LABELS: Record<FindingSignal, string> = {
  error_ratio: 'Error ratio',
  latency_p95: 'p95 latency',
  request_rate: 'Request rate',
  error_logs: 'Error logs',
  log_pattern: 'New log pattern',
  error_traces: 'Error traces',
  slow_traces: 'Slow traces',
  failing_spans: 'Failing spans',
  change: 'Change',
};

export const SOURCE_STATUS_COLORS: Record<SourceStatus, BadgeColor> = {
  ok: 'green',
  degraded: 'orange',
  failed: 'red',
  skipped: 'darkgrey',
};

export const SOURCE_STATUS_LABELS: Record<SourceStatus, string> = {
  ok: 'OK',
  degraded: 'Degraded',
  failed: 'Failed',
  skipped: 'Not configured',
};

export const HYPOTHESIS_COLORS: Record<HypothesisStatus, BadgeColor> = {
  open: 'blue',
  confirmed: 'green',
  refuted: 'darkgrey',
};

/** A measured value in the finding's unit: "6.1 %", "820 ms", "42 req/s", "130 lines". */
export function formatValue(value: number | null | undefined, unit: FindingData['unit']): string {
  if (value === null || value === undefined || !Number.isFinite(value)) {
    return '—';
  }
  switch (unit) {
    case 'ratio':
      return `${(value * 100).toFixed(value < 0.01 ? 2 : 1)} %`;
    case 'seconds':
      return value < 1 ? `${Math.round(value * 1000)} ms` : `${value.toFixed(2)} s`;
    case 'rps':
      return `${value.toFixed(value < 10 ? 1 : 0)} req/s`;
    case 'lines':
      return `${Math.round(value)} lines`;
    default:
      return String(Math.round(value * 1000) / 1000);
  }
}

/** A 0–1 score as a whole percentage. */
export const formatScore = (score: number) => `${Math.round(score * 100)} %`;
