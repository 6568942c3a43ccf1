import { createRoute, z } from '@hono/zod-openapi';
import { gaps, layerCoverage, nextHandOff, timeline, type Schedule, type Segment } from '../domain/rotations.js';
import { createRouter } from '../http/context.js';
import { errorResponses, IdParamsSchema, jsonContent } from '../http/openapi.js';
import type { Database, Sql } from '../store/db.js';
import { getPolicy } from '../store/escalationPolicies.js';
import { peopleByIds } from '../store/people.js';
import { getServiceByName } from '../store/services.js';
import {
  listSchedules,
  loadSchedules,
  scheduleNotFound,
  withOverrides,
  type ScheduleRecord,
} from '../store/schedules.js';
import { InstantSchema, OnCallSchema, SegmentSchema, wireSegment } from './onCallSchemas.js';
import { NextCursorSchema, pageOf, pageQuerySchema, pageRequest } from './pagination.js';
import { invalid } from './schedules.js';
import { ServiceNameSchema } from './sharedSchemas.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** nextHandOff looks up to 120 days either side, so that is the window of overrides it needs. */
const HAND_OFF_REACH_MS = 121 * DAY_MS;
const MAX_TIMELINE_MS = 93 * DAY_MS;

const GapWarningSchema = z
  .object({
    scheduleId: z.uuid(),
    scheduleName: z.string(),
    start: z.iso.datetime(),
    end: z.iso.datetime(),
  })
  .openapi('OnCallGapWarning');

const ShiftSchema = z
  .object({ personId: z.uuid(), personName: z.string().nullable(), start: z.iso.datetime(), end: z.iso.datetime() })
  .openapi('OnCallShift');

const LayerCoverageSchema = z
  .object({
    layerId: z.uuid(),
    name: z.string(),
    shifts: z
      .array(ShiftSchema)
      .openapi({ description: "The layer's own shifts in the range, cut to its restrictions" }),
  })
  .openapi('OnCallLayerCoverage');

const tags = ['On call'];

const routes = {
  serviceOnCall: createRoute({
    method: 'get',
    path: '/services/{name}/on-call',
    operationId: 'getServiceOnCall',
    tags,
    summary:
      "Who is on call for a service: now and next in each schedule its escalation policy pages, in the policy's order",
    request: {
      params: z.object({
        name: ServiceNameSchema.openapi({ param: { name: 'name', in: 'path' }, example: 'checkout' }),
      }),
    },
    responses: {
      200: jsonContent(
        z.object({
          service: z.string(),
          policy: z
            .object({ id: z.uuid(), name: z.string() })
            .nullable()
            .openapi({ description: 'Null: the service names no policy' }),
          schedules: z.array(OnCallSchema).openapi({ description: "The policy's schedules, each once, in step order" }),
        }),
        "The service's on-call"
      ),
      ...errorResponses(400, 401, 404, 503),
    },
  }),
  scheduleOnCall: createRoute({
    method: 'get',
    path: '/schedules/{id}/on-call',
    operationId: 'getScheduleOnCall',
    tags,
    summary: 'Who is on call at ?at (default now) and who is next',
    request: { params: IdParamsSchema, query: z.strictObject({ at: InstantSchema.optional() }) },
    responses: { 200: jsonContent(OnCallSchema, 'Now and next'), ...errorResponses(400, 401, 404, 503) },
  }),
  timeline: createRoute({
    method: 'get',
    path: '/schedules/{id}/timeline',
    operationId: 'getScheduleTimeline',
    tags,
    summary: 'Who is on call over ?from–?to (default the next 7 days, at most 93): contiguous segments and the gaps',
    request: {
      params: IdParamsSchema,
      query: z.strictObject({ from: InstantSchema.optional(), to: InstantSchema.optional() }),
    },
    responses: {
      200: jsonContent(
        z.object({
          from: z.iso.datetime(),
          to: z.iso.datetime(),
          segments: z.array(SegmentSchema),
          gaps: z.array(SegmentSchema),
          layers: z.array(LayerCoverageSchema).openapi({ description: 'Each layer on its own, bottom first' }),
          overrides: z
            .array(ShiftSchema.extend({ overrideId: z.uuid() }))
            .openapi({ description: 'Overrides touching the range, later created last' }),
        }),
        'Segments cover the range exactly (who is on call, layers and overrides combined); gaps are the ones with nobody'
      ),
      ...errorResponses(400, 401, 404, 503),
    },
  }),
  all: createRoute({
    method: 'get',
    path: '/on-call',
    operationId: 'listOnCall',
    tags,
    summary:
      'Each schedule now and next, and gaps starting within ?withinHours (default 24) as warnings, a page of schedules at a time',
    request: {
      query: z.strictObject({
        withinHours: z.coerce
          .number()
          .int()
          .min(1)
          .max(24 * 31)
          .default(24),
        ...pageQuerySchema(100, 500),
      }),
    },
    responses: {
      200: jsonContent(
        z.object({
          at: z.iso.datetime(),
          items: z.array(OnCallSchema),
          warnings: z.array(GapWarningSchema).openapi({ description: "Gaps of this page's schedules" }),
          nextCursor: NextCursorSchema,
        }),
        'By schedule name, a page of schedules at a time'
      ),
      ...errorResponses(400, 401, 503),
    },
  }),
};

/** Person id → name for the people in these segments and shifts. */
async function namesOf(sql: Sql, segments: Array<Pick<Segment, 'personId'>>): Promise<Map<string, string>> {
  const ids = [...new Set(segments.flatMap((s) => (s.personId ? [s.personId] : [])))];
  const found = await peopleByIds(sql, ids);
  return new Map([...found].map(([id, p]) => [id, p.name]));
}

function wireOnCall({ record, current, next }: ReturnType<typeof onCallOf>, names: Map<string, string>, at: number) {
  return {
    scheduleId: record.id,
    scheduleName: record.name,
    at: new Date(at).toISOString(),
    current: wireSegment(current, names),
    next: next ? wireSegment(next, names) : null,
  };
}

function onCallOf(record: ScheduleRecord, schedule: Schedule, at: number) {
  const { current, next } = nextHandOff(schedule, at);
  return { record, current, next };
}

/** Who is on call: per schedule now and next, over a range, and across every schedule with gap warnings. */
export function onCallRoutes(db: Database) {
  return createRouter()
    .openapi(routes.serviceOnCall, async (c) => {
      const { name } = c.req.valid('param');
      const at = Date.now();
      const answer = await db.read(async (sql) => {
        const service = await getServiceByName(sql, name);
        if (!service.escalationPolicyId) return { service: service.name, policy: null, schedules: [] };
        const policy = await getPolicy(sql, service.escalationPolicyId);
        const ids = [
          ...new Set(policy.steps.flatMap((s) => (s.target.kind === 'schedule' ? [s.target.scheduleId] : []))),
        ];
        const loaded = ids.length
          ? await loadSchedules(sql, new Date(at - HAND_OFF_REACH_MS), new Date(at + HAND_OFF_REACH_MS), ids)
          : [];
        const byId = new Map(loaded.map((l) => [l.record.id, l]));
        const found = ids.flatMap((id) => {
          const l = byId.get(id);
          return l ? [onCallOf(l.record, l.schedule, at)] : [];
        });
        const names = await namesOf(
          sql,
          found.flatMap((f) => (f.next ? [f.current, f.next] : [f.current]))
        );
        return {
          service: service.name,
          policy: { id: policy.id, name: policy.name },
          schedules: found.map((f) => wireOnCall(f, names, at)),
        };
      });
      return c.json(answer, 200);
    })
    .openapi(routes.scheduleOnCall, async (c) => {
      const { id } = c.req.valid('param');
      const { at: atText } = c.req.valid('query');
      const at = atText ? Date.parse(atText) : Date.now();
      const answer = await db.read(async (sql) => {
        const [loaded] = await loadSchedules(sql, new Date(at - HAND_OFF_REACH_MS), new Date(at + HAND_OFF_REACH_MS), [
          id,
        ]);
        if (!loaded) throw scheduleNotFound(id);
        const found = onCallOf(loaded.record, loaded.schedule, at);
        const names = await namesOf(sql, found.next ? [found.current, found.next] : [found.current]);
        return wireOnCall(found, names, at);
      });
      return c.json(answer, 200);
    })
    .openapi(routes.timeline, async (c) => {
      const { id } = c.req.valid('param');
      const query = c.req.valid('query');
      const from = query.from ? Date.parse(query.from) : Date.now();
      const to = query.to ? Date.parse(query.to) : from + 7 * DAY_MS;
      if (to <= from) throw invalid('query.to', 'must be after from');
      if (to - from > MAX_TIMELINE_MS) throw invalid('query.to', 'must be within 93 days of from');
      const answer = await db.read(async (sql) => {
        const [loaded] = await loadSchedules(sql, new Date(from), new Date(to), [id]);
        if (!loaded) throw scheduleNotFound(id);
        const { schedule } = loaded;
        const segments = timeline(schedule, from, to);
        const layers = schedule.layers.map((layer) => ({ layer, shifts: layerCoverage(layer, from, to) }));
        const overrides = schedule.overrides.filter((o) => o.end > from && o.start < to);
        const names = await namesOf(sql, [...segments, ...layers.flatMap((l) => l.shifts), ...overrides]);
        const wired = segments.map((s) => wireSegment(s, names));
        const shift = (s: { personId: string; start: number; end: number }) => ({
          personId: s.personId,
          personName: names.get(s.personId) ?? null,
          start: new Date(Math.max(s.start, from)).toISOString(),
          end: new Date(Math.min(s.end, to)).toISOString(),
        });
        return {
          from: new Date(from).toISOString(),
          to: new Date(to).toISOString(),
          segments: wired,
          gaps: wired.filter((s) => s.personId === null),
          layers: layers.map(({ layer, shifts }) => ({
            layerId: layer.id,
            name: layer.name,
            shifts: shifts.map(shift),
          })),
          overrides: overrides.map((o) => ({ overrideId: o.id, ...shift(o) })),
        };
      });
      return c.json(answer, 200);
    })
    .openapi(routes.all, async (c) => {
      const { withinHours, ...query } = c.req.valid('query');
      const at = Date.now();
      const answer = await db.read(async (sql) => {
        const { items: records, nextCursor } = pageOf(
          await listSchedules(sql, pageRequest(query, 'on-call')),
          query,
          'on-call',
          (s) => ({ keys: [s.name], id: s.id })
        );
        // The page's rows as read: reading them again by id cost a second pass over every layer's jsonb.
        const loaded = await withOverrides(
          sql,
          records,
          new Date(at - HAND_OFF_REACH_MS),
          new Date(at + HAND_OFF_REACH_MS)
        );
        const found = loaded.map(({ record, schedule }) => onCallOf(record, schedule, at));
        const warnings = loaded.flatMap(({ record, schedule }) =>
          gaps(schedule, at, at + withinHours * HOUR_MS).map((g) => ({
            scheduleId: record.id,
            scheduleName: record.name,
            start: new Date(g.start).toISOString(),
            end: new Date(g.end).toISOString(),
          }))
        );
        const names = await namesOf(
          sql,
          found.flatMap((f) => (f.next ? [f.current, f.next] : [f.current]))
        );
        return {
          at: new Date(at).toISOString(),
          items: found.map((f) => wireOnCall(f, names, at)),
          warnings,
          nextCursor,
        };
      });
      return c.json(answer, 200);
    });
}
