import { createRoute, z } from '@hono/zod-openapi';
import { AppError } from '../domain/errors.js';
import { INCIDENT_STATUSES, SEVERITIES } from '../domain/incidents.js';
import { draftEdits, renderPostmortemMarkdown, type BudgetBurned } from '../domain/postmortem.js';
import { requireRole } from '../http/auth.js';
import { createRouter } from '../http/context.js';
import { errorResponses, IdParamsSchema, iso, jsonContent } from '../http/openapi.js';
import type { Database } from '../store/db.js';
import { postmortemFacts, savePostmortem, type PostmortemFacts } from '../store/postmortems.js';
import { PrometheusError, type PrometheusClient } from '../telemetry/prometheus.js';
import { incidentCost } from '../telemetry/sloStatus.js';
import { HypothesisSchema, wireHypothesis } from './hypotheses.js';
import { FindingSchema, wireFindingData } from './correlations.js';
import { TimelineEventSchema, wireTimelineEvent } from './timelineSchemas.js';

const tags = ['Review'];
// Prometheus gets this long for a postmortem's budget figures; past it the document says "unknown" rather than wait.
const BUDGET_TIME_LIMIT_MS = 4000;

const FollowUpSchema = z.strictObject({
  title: z.string().trim().min(1).max(500),
  owner: z.string().trim().min(1).max(200).nullable(),
  done: z.boolean(),
});

const EditsSchema = z.strictObject({
  summary: z.string().max(20_000),
  impact: z.string().max(20_000),
  rootCause: z.string().max(20_000),
  lessons: z.string().max(20_000),
  followUps: z.array(FollowUpSchema).max(100),
});

const PostmortemSchema = z
  .object({
    incidentId: z.uuid(),
    reference: z.string(),
    title: z.string(),
    severity: z.enum(SEVERITIES),
    status: z.enum(INCIDENT_STATUSES),
    startedAt: z.iso.datetime(),
    resolvedAt: z.iso.datetime().nullable(),
    durationMs: z.number().int(),
    services: z.array(z.object({ id: z.uuid(), name: z.string(), impact: z.enum(['major', 'partial', 'minor']) })),
    timeline: z.array(TimelineEventSchema),
    hypotheses: z.array(HypothesisSchema),
    pinnedEvidence: z.array(FindingSchema),
    budgetBurned: z
      .array(
        z.object({
          sloId: z.uuid(),
          slo: z.string(),
          service: z.string(),
          budgetMinutes: z.number(),
          budgetPercent: z.number(),
        })
      )
      .nullable()
      .openapi({ description: 'null: Prometheus is not configured or could not be asked' }),
    edits: EditsSchema.openapi('PostmortemEdits'),
    version: z.number().int().openapi({ description: '0 until the first PUT' }),
    generatedAt: z.iso.datetime(),
  })
  .openapi('Postmortem');
type Postmortem = z.infer<typeof PostmortemSchema>;

const routes = {
  get: createRoute({
    method: 'get',
    path: '/{id}/postmortem',
    operationId: 'getPostmortem',
    tags,
    summary: 'The incident review: facts from the incident, and the text people wrote (a draft until saved)',
    request: {
      params: IdParamsSchema,
      query: z.strictObject({
        format: z.enum(['json', 'md']).default('json').openapi({ description: 'md: a Markdown document' }),
      }),
    },
    responses: {
      200: {
        description: 'The postmortem',
        content: { 'application/json': { schema: PostmortemSchema }, 'text/markdown': { schema: z.string() } },
      },
      ...errorResponses(400, 401, 404, 503),
    },
  }),
  put: createRoute({
    method: 'put',
    path: '/{id}/postmortem',
    operationId: 'savePostmortem',
    tags,
    summary: 'Save the review text (version 0 creates it; a stale version gets 409 with the current postmortem)',
    middleware: [requireRole('editor')] as const,
    request: {
      params: IdParamsSchema,
      body: {
        required: true,
        content: { 'application/json': { schema: EditsSchema.extend({ version: z.number().int().min(0) }) } },
      },
    },
    responses: {
      200: jsonContent(PostmortemSchema, 'The saved postmortem'),
      ...errorResponses(400, 401, 403, 404, 409, 413, 415, 503),
    },
  }),
};

/**
 * The budget each SLO of the impacted services lost in the incident, evaluated when the incident ended (or now):
 * that figure stays put as the SLO window rolls on. null when Prometheus is missing or cannot be asked, since a
 * review must open during a Prometheus outage; an SLO whose own query Prometheus refuses is left out.
 */
async function budgetBurned(
  prometheus: PrometheusClient | undefined,
  facts: PostmortemFacts,
  now: Date,
  signal: AbortSignal
): Promise<BudgetBurned[] | null> {
  if (!prometheus) return null;
  const { id, reference, title, startedAt, resolvedAt } = facts.incident;
  const at = resolvedAt ?? now;
  const limited = AbortSignal.any([signal, AbortSignal.timeout(BUDGET_TIME_LIMIT_MS)]);
  try {
    const costs = await Promise.all(
      facts.slos.map(async (slo) => {
        try {
          const cost = await incidentCost(
            prometheus,
            slo,
            { id, reference, title, startedAt, resolvedAt },
            at,
            limited
          );
          return cost.budgetBurned === null || cost.budgetBurnedMinutes === null
            ? null
            : {
                sloId: slo.id,
                slo: slo.name,
                service: slo.service,
                budgetMinutes: cost.budgetBurnedMinutes,
                budgetPercent: cost.budgetBurned * 100,
              };
        } catch (err) {
          if (err instanceof PrometheusError && err.isQueryError) return null;
          throw err;
        }
      })
    );
    return costs.filter((c) => c !== null);
  } catch {
    return null;
  }
}

async function buildPostmortem(
  db: Database,
  prometheus: PrometheusClient | undefined,
  incidentId: string,
  signal: AbortSignal
): Promise<Postmortem> {
  const facts = await db.read((sql) => postmortemFacts(sql, incidentId));
  const now = new Date();
  const { incident } = facts;
  const budget = await budgetBurned(prometheus, facts, now, signal);
  const durationMs = Math.max(0, (incident.resolvedAt ?? now).getTime() - incident.startedAt.getTime());
  const hypotheses = facts.hypotheses.map(wireHypothesis);
  const base = {
    reference: incident.reference,
    title: incident.title,
    severity: incident.severity,
    status: incident.status,
    startedAt: iso(incident.startedAt),
    resolvedAt: iso(incident.resolvedAt),
    durationMs,
    services: incident.services,
    budgetBurned: budget,
    hypotheses,
  };
  const edits = facts.saved?.edits ?? draftEdits({ ...base, description: incident.description, budgetBurned: budget });
  return {
    ...base,
    incidentId,
    timeline: facts.timeline.map((e) => wireTimelineEvent(e)),
    pinnedEvidence: facts.pinnedEvidence.map((f) => ({ ...f, data: wireFindingData(f.data) })),
    edits,
    version: facts.saved?.version ?? 0,
    generatedAt: iso(now),
  };
}

/** Review: GET (JSON or ?format=md) and PUT /api/incidents/{id}/postmortem. */
export function postmortemRoutes(db: Database, prometheus?: PrometheusClient) {
  return createRouter()
    .openapi(routes.get, async (c) => {
      const postmortem = await buildPostmortem(db, prometheus, c.req.valid('param').id, c.req.raw.signal);
      if (c.req.valid('query').format === 'md') {
        return c.body(renderPostmortemMarkdown(postmortem), 200, {
          'content-type': 'text/markdown; charset=utf-8',
          'content-disposition': `inline; filename="${postmortem.reference}-postmortem.md"`,
        });
      }
      return c.json(postmortem, 200);
    })
    .openapi(routes.put, async (c) => {
      const { id } = c.req.valid('param');
      const { version, ...edits } = c.req.valid('json');
      try {
        await db.write((sql) => savePostmortem(sql, id, version, edits, c.get('principal').actor));
      } catch (err) {
        if (!(err instanceof AppError) || err.code !== 'VERSION_CONFLICT') throw err;
        // The whole current postmortem, as a stale incident PATCH gets the current incident.
        const current = await buildPostmortem(db, prometheus, id, c.req.raw.signal);
        throw new AppError({ code: 'VERSION_CONFLICT', message: err.message, details: { current } });
      }
      return c.json(await buildPostmortem(db, prometheus, id, c.req.raw.signal), 200);
    });
}
