/**
 * Tempo's wire shapes read into typed values: trace and span ids (hex that may have lost its leading zeros, or
 * base64) normalised to lower-case hex, OTLP attributes flattened, and a trace by id in either shape Tempo answers
 * (v1 `batches`, v2 `{trace: {resourceSpans}}`; also the bare OTLP `resourceSpans`, and the pre-1.0 OTLP
 * `instrumentationLibrarySpans`) read into one span list.
 */
import { z } from 'zod';

/**
 * An id as lower-case hex of `bytes` bytes (16 for traces, 8 for spans). Hex is left-padded with zeros (Tempo's
 * search drops them); anything else is read as base64 (OTLP JSON, Tempo's v2 API). Throws when it is neither.
 */
export function normaliseId(id: string, bytes: 16 | 8 = 16): string {
  const digits = bytes * 2;
  if (/^[0-9a-fA-F]+$/.test(id) && id.length <= digits) return id.toLowerCase().padStart(digits, '0');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(id)) {
    const raw = Buffer.from(id, id.includes('-') || id.includes('_') ? 'base64url' : 'base64');
    if (raw.length > 0 && raw.length <= bytes) return raw.toString('hex').padStart(digits, '0');
  }
  throw new Error(`not a ${bytes * 8}-bit id: ${id.slice(0, 48)}`);
}

export type AttributeValue = string | number | boolean;

const AnyValue: z.ZodType<unknown> = z
  .object({
    stringValue: z.string().optional(),
    intValue: z.union([z.string(), z.number()]).optional(),
    doubleValue: z.union([z.number(), z.string()]).optional(),
    boolValue: z.boolean().optional(),
  })
  .loose();
export const KeyValues = z.array(z.object({ key: z.string(), value: AnyValue.optional() })).optional();

/** OTLP key/values as a flat record; arrays and maps are kept as their JSON text. */
export function flattenAttributes(list: z.infer<typeof KeyValues>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const { key, value } of list ?? []) {
    const v = (value ?? {}) as Record<string, unknown>;
    if (typeof v.stringValue === 'string') out[key] = v.stringValue;
    else if (v.intValue !== undefined) out[key] = Number(v.intValue);
    else if (v.doubleValue !== undefined) out[key] = Number(v.doubleValue);
    else if (typeof v.boolValue === 'boolean') out[key] = v.boolValue;
    else if (v.arrayValue !== undefined || v.kvlistValue !== undefined)
      out[key] = JSON.stringify(v.arrayValue ?? v.kvlistValue);
  }
  return out;
}

export interface TraceSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  /** The resource's service.name ('' when it has none). */
  service: string;
  name: string;
  /** OTLP kind as its name without prefix: server, client, internal, producer, consumer, unspecified. */
  kind: string;
  startNs: string;
  durationMs: number;
  isError: boolean;
  statusMessage: string | null;
  attributes: Record<string, AttributeValue>;
}

export interface Trace {
  traceId: string;
  spans: TraceSpan[];
  /** The span without a parent in this trace (the first one if several), or null when it was not received. */
  root: TraceSpan | null;
  startedAt: Date | null;
  durationMs: number | null;
  hasError: boolean;
}

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const Nanos = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(String);
const Span = z.object({
  traceId: z.string(),
  spanId: z.string(),
  parentSpanId: z.string().optional(),
  name: z.string().default(''),
  kind: z.union([z.number(), z.string()]).optional(),
  startTimeUnixNano: Nanos,
  endTimeUnixNano: Nanos,
  attributes: KeyValues,
  status: z.object({ code: z.union([z.number(), z.string()]).optional(), message: z.string().optional() }).optional(),
});
const Scope = z.object({ spans: z.array(Span).default([]) });
const Batch = z.object({
  resource: z.object({ attributes: KeyValues }).optional(),
  scopeSpans: z.array(Scope).optional(),
  instrumentationLibrarySpans: z.array(Scope).optional(),
});
// Most specific first: z.object ignores unknown keys, so `{trace?}` would accept any object.
const TraceBody = z.union([
  z.object({ batches: z.array(Batch) }),
  z.object({ resourceSpans: z.array(Batch) }),
  z.object({ trace: z.object({ resourceSpans: z.array(Batch).default([]) }).nullish() }),
]);

function kindName(kind: number | string | undefined): string {
  if (typeof kind === 'number') return KINDS[kind] ?? 'unspecified';
  return (kind ?? 'unspecified').replace(/^SPAN_KIND_/, '').toLowerCase();
}

const isErrorCode = (code: number | string | undefined) =>
  code === 2 || code === 'STATUS_CODE_ERROR' || code === 'ERROR';

/**
 * A trace-by-id body in any shape Tempo answers, as one typed trace. Returns null for an empty answer (`{}` or a
 * trace without spans); throws on a body that is none of these shapes.
 */
export function parseTrace(body: unknown): Trace | null {
  const parsed = TraceBody.safeParse(body);
  if (!parsed.success) throw new Error('not a trace');
  const batches =
    'batches' in parsed.data
      ? parsed.data.batches
      : 'resourceSpans' in parsed.data
        ? parsed.data.resourceSpans
        : (parsed.data.trace?.resourceSpans ?? []);
  const spans: TraceSpan[] = [];
  for (const batch of batches) {
    const service = String(flattenAttributes(batch.resource?.attributes)['service.name'] ?? '');
    for (const scope of [...(batch.scopeSpans ?? []), ...(batch.instrumentationLibrarySpans ?? [])]) {
      for (const s of scope.spans) {
        const durationNs = BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano);
        spans.push({
          traceId: normaliseId(s.traceId, 16),
          spanId: normaliseId(s.spanId, 8),
          parentSpanId: s.parentSpanId ? normaliseId(s.parentSpanId, 8) : null,
          service,
          name: s.name,
          kind: kindName(s.kind),
          startNs: s.startTimeUnixNano,
          durationMs: Number(durationNs > 0n ? durationNs : 0n) / 1e6,
          isError: isErrorCode(s.status?.code),
          statusMessage: s.status?.message || null,
          attributes: flattenAttributes(s.attributes),
        });
      }
    }
  }
  if (spans.length === 0) return null;
  const root = spans.find((s) => !s.parentSpanId) ?? null;
  const starts = spans.map((s) => BigInt(s.startNs));
  const ends = spans.map((s) => BigInt(s.startNs) + BigInt(Math.round(s.durationMs * 1e6)));
  const first = starts.reduce((a, b) => (b < a ? b : a));
  const last = ends.reduce((a, b) => (b > a ? b : a));
  return {
    traceId: spans[0]!.traceId,
    spans,
    root,
    startedAt: new Date(Number(first / 1_000_000n)),
    durationMs: Number(last - first) / 1e6,
    hasError: spans.some((s) => s.isError),
  };
}
