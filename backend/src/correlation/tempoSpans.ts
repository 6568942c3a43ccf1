/**
 * Which span a failure began in, from traces read by id. Search span sets cannot say: Tempo 2.0's carry no span
 * names, list the root span twice under one span id, and leave `service.name` out on every span but the root's,
 * so a downstream failure (payments-api `POST /charge`) looked like the caller's own unnamed span. A trace by id
 * has names, each resource's service and each span's parent, on every Tempo version.
 */
import type { Trace, TraceHit, TraceSpan } from '../telemetry/tempo.js';

export interface FailingSpan {
  service: string;
  name: string;
  /** Traces in which this span is where the failure began. */
  errors: number;
  /** Traces examined. */
  total: number;
}

const UNKNOWN_SERVICE = '(unknown service)';

/**
 * Per span (service and name), in how many of `traces` the failure began there: the span failed and none of its
 * own children did (a caller that fails because its callee failed is a consequence, not the origin). A span listed
 * twice counts once, and a span counts once per trace. Most frequent first, then by service and name.
 */
export function failingSpans(traces: Trace[]): FailingSpan[] {
  const rows = new Map<string, { service: string; name: string; errors: number }>();
  for (const trace of traces) {
    const spans = [...new Map(trace.spans.map((s) => [s.spanId, s] as const)).values()];
    const failing = spans.filter((s) => s.isError);
    const failedParents = new Set(failing.map((s) => s.parentSpanId).filter((id): id is string => id !== null));
    const origins = new Set(failing.filter((s) => !failedParents.has(s.spanId)).map(keyOf));
    for (const key of origins) {
      const [service, name] = key.split('\u0000') as [string, string];
      const row = rows.get(key) ?? { service, name, errors: 0 };
      row.errors++;
      rows.set(key, row);
    }
  }
  return [...rows.values()]
    .sort((a, b) => b.errors - a.errors || compare(a.service, b.service) || compare(a.name, b.name))
    .map((row) => ({ ...row, total: traces.length }));
}

/**
 * At most `count` of `traces` (sorted by start, then id), spread evenly over them: the same traces for the same
 * data, whatever order Tempo answered in.
 */
export function pickEvenly(traces: TraceHit[], count: number): TraceHit[] {
  if (traces.length <= count) return traces;
  return Array.from({ length: count }, (_, i) => traces[Math.floor((i * traces.length) / count)]!);
}

const keyOf = (span: TraceSpan) => `${span.service || UNKNOWN_SERVICE}\u0000${span.name || '(unnamed span)'}`;
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
