import { createRoute, z } from '@hono/zod-openapi';
import type { CorrelationEngine } from '../correlation/engine.js';
import { CORRELATION_SOURCES, FINDING_SIGNALS } from '../correlation/findings.js';
import { AppError } from '../domain/errors.js';
import { requireRole } from '../http/auth.js';
import { createRouter } from '../http/context.js';
import { errorResponses, IdParamsSchema, iso, jsonContent } from '../http/openapi.js';
import type { CorrelationRecord, Finding, CorrelationRun } from '../store/correlations.js';
import { frozenFinding, latestCorrelation } from '../store/correlations.js';
import type { Database } from '../store/db.js';
import { assertIncidentExists } from '../store/incidents.js';
import { ChangeSchema } from './changes.js';

const tags = ['Correlation'];

const WindowSchema = z.object({ start: z.iso.datetime(), end: z.iso.datetime() });

/** correlation/findings.ts FindingData: which fields are set depends on the source. */
const FindingDataSchema = z
  .object({
    series: z
      .array(
        z.object({
          t: z.number().openapi({ description: 'Unix milliseconds' }),
          v: z.number().nullable().openapi({ description: 'null where Prometheus had no value (NaN, a gap)' }),
        })
      )
      .optional()
      .openapi({ description: 'Prometheus: the signal over the baseline and incident windows' }),
    unit: z.enum(['ratio', 'seconds', 'rps', 'lines']).optional(),
    baselineValue: z.number().nullable().optional(),
    currentValue: z.number().nullable().optional(),
    pattern: z
      .string()
      .optional()
      .openapi({ description: 'Loki: a log template (numbers, ids and quoted values masked)' }),
    count: z.number().int().optional(),
    baselineCount: z.number().int().optional(),
    samples: z
      .array(z.object({ at: z.iso.datetime(), line: z.string(), labels: z.record(z.string(), z.string()) }))
      .optional(),
    traces: z
      .array(
        z.object({
          traceId: z.string().openapi({ description: 'Lower-case hex, 32 digits' }),
          rootService: z.string(),
          rootName: z.string(),
          startedAt: z.iso.datetime(),
          durationMs: z.number().nullable(),
          error: z.boolean(),
        })
      )
      .optional()
      .openapi({ description: 'Tempo' }),
    spans: z
      .array(z.object({ service: z.string(), name: z.string(), errors: z.number().int(), total: z.number().int() }))
      .optional(),
    change: ChangeSchema.optional().openapi({ description: 'change: the change itself' }),
  })
  .openapi('FindingData');

export const FindingSchema = z
  .object({
    id: z.uuid(),
    incidentId: z.uuid(),
    runId: z.uuid(),
    source: z.enum(CORRELATION_SOURCES),
    service: z.string().nullable(),
    signal: z.enum(FINDING_SIGNALS),
    score: z.number().min(0).max(1).openapi({ description: '0–1: how far the signal moved from its baseline' }),
    rank: z.number().int(),
    summary: z.string(),
    query: z.string().openapi({ description: 'The exact PromQL, LogQL or TraceQL (empty for a change)' }),
    window: WindowSchema,
    baseline: WindowSchema.nullable(),
    changedAt: z.iso.datetime().nullable(),
    exploreUrl: z.string().nullable(),
    data: FindingDataSchema,
    computedAt: z.iso.datetime(),
  })
  .openapi('Finding');

export const SourceRunSchema = z.object({
  status: z.enum(['ok', 'degraded', 'failed', 'skipped']),
  message: z.string().nullable(),
  durationMs: z.number().int().nullable(),
  findings: z.number().int(),
});

const RunSchema = z
  .object({
    id: z.uuid(),
    incidentId: z.uuid(),
    trigger: z.enum(['created', 'manual', 'refresh']),
    startedAt: z.iso.datetime(),
    finishedAt: z.iso.datetime().nullable(),
    window: WindowSchema,
    baseline: WindowSchema,
    sources: z.record(z.enum(CORRELATION_SOURCES), SourceRunSchema),
  })
  .openapi('CorrelationRun');

// Not RunSchema.nullable(): that would make the CorrelationRun component itself nullable in the document.
export const CorrelationResultSchema = z
  .object({ run: z.union([RunSchema, z.null()]), findings: z.array(FindingSchema) })
  .openapi('CorrelationResult');

/** A stored finding as the wire's Finding (ISO dates). */
export const wireFinding = (f: Finding) => ({ ...frozenFinding(f), data: wireFindingData(f.data) });

/** The stored data as FindingData: it is (correlation/findings.ts), but its `change` is typed loosely there. */
export const wireFindingData = (data: Finding['data']) => data as z.infer<typeof FindingDataSchema>;

const wireWindow = (w: { start: Date; end: Date }) => ({ start: iso(w.start), end: iso(w.end) });

const wireRun = (r: CorrelationRun) => ({
  ...r,
  startedAt: iso(r.startedAt),
  finishedAt: iso(r.finishedAt),
  window: wireWindow(r.window),
  baseline: wireWindow(r.baseline),
});

const wireResult = (r: CorrelationRecord) => ({
  run: r.run ? wireRun(r.run) : null,
  findings: r.findings.map(wireFinding),
});

const routes = {
  latest: createRoute({
    method: 'get',
    path: '/{id}/correlations',
    operationId: 'getCorrelations',
    tags,
    summary: "The incident's latest correlation run and its findings, best first",
    request: { params: IdParamsSchema },
    responses: {
      200: jsonContent(CorrelationResultSchema, 'The latest finished run ({run: null, findings: []} before the first)'),
      ...errorResponses(400, 401, 404, 503),
    },
  }),
  correlate: createRoute({
    method: 'post',
    path: '/{id}/correlate',
    operationId: 'correlateIncident',
    tags,
    summary: 'Correlate now: asks every evidence source within the run budget and answers with the result',
    description:
      'A source that fails or is cut short by the budget is marked failed or degraded in `run.sources`; the others ' +
      'still answer. A request while a run is going waits for that run instead of starting another.',
    middleware: [requireRole('editor')] as const,
    request: { params: IdParamsSchema },
    responses: {
      200: jsonContent(CorrelationResultSchema, 'The run just finished'),
      ...errorResponses(400, 401, 403, 404, 503),
    },
  }),
};

/** /api/incidents/{id}/correlations and /api/incidents/{id}/correlate. */
export function correlationRoutes(db: Database, engine: CorrelationEngine | undefined) {
  return createRouter()
    .openapi(routes.latest, async (c) => {
      const { id } = c.req.valid('param');
      const record = await db.read(async (sql) => {
        await assertIncidentExists(sql, id);
        return latestCorrelation(sql, id);
      });
      return c.json(wireResult(record), 200);
    })
    .openapi(routes.correlate, async (c) => {
      const { id } = c.req.valid('param');
      if (!engine) {
        throw new AppError({
          code: 'UPSTREAM_UNAVAILABLE',
          message: 'Correlation is not running on this sidecar',
          isRetryable: false,
        });
      }
      await db.read((sql) => assertIncidentExists(sql, id));
      // Null: a run that was joined had nothing new to store; the latest result is the answer.
      const record = (await engine.run(id, 'manual')) ?? (await engine.latest(id));
      return c.json(wireResult(record), 200);
    });
}
