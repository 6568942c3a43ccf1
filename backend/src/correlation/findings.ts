/**
 * What each source attaches to the findings it reports, stored as jsonb in `correlations.data`; the API describes
 * it as FindingData (routes/correlations.ts), which the plugin's types are generated from.
 */
export const CORRELATION_SOURCES = ['prometheus', 'loki', 'tempo', 'change'] as const;
export type CorrelationSourceName = (typeof CORRELATION_SOURCES)[number];

export const FINDING_SIGNALS = [
  'error_ratio',
  'latency_p95',
  'request_rate',
  'error_logs',
  'log_pattern',
  'error_traces',
  'slow_traces',
  'failing_spans',
  'change',
] as const;
export type FindingSignal = (typeof FINDING_SIGNALS)[number];

export interface FindingData {
  series?: Array<{ t: number; v: number | null }>;
  unit?: 'ratio' | 'seconds' | 'rps' | 'lines';
  baselineValue?: number | null;
  currentValue?: number | null;
  pattern?: string;
  count?: number;
  baselineCount?: number;
  samples?: Array<{ at: string; line: string; labels: Record<string, string> }>;
  traces?: Array<{
    traceId: string;
    rootService: string;
    rootName: string;
    startedAt: string;
    durationMs: number | null;
    error: boolean;
  }>;
  spans?: Array<{ service: string; name: string; errors: number; total: number }>;
  change?: Record<string, unknown>;
}
