/** The SLO API's schemas and wire shapes (routes/slos.ts), kept apart so the route file stays about routes. */
import { z } from '@hono/zod-openapi';
import { DEFAULT_BURN_RATE_ALERTS, DURATION, durationSeconds, WINDOW_PLACEHOLDER } from '../domain/slo.js';
import { iso } from '../http/openapi.js';
import type { Slo } from '../store/slos.js';

const QuerySchema = z
  .string()
  .trim()
  .min(1)
  .max(4000)
  .refine(
    (q) => q.match(WINDOW_PLACEHOLDER) !== null,
    'must contain {{window}} where the range goes, e.g. rate(x[{{window}}])'
  );

const SliSchema = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('ratio'), good: QuerySchema, total: QuerySchema }),
    z.strictObject({ type: z.literal('errors'), errors: QuerySchema, total: QuerySchema }),
  ])
  .openapi('Sli', {
    example: {
      type: 'ratio',
      good: 'sum(rate(http_requests_total{job="checkout",code!~"5.."}[{{window}}]))',
      total: 'sum(rate(http_requests_total{job="checkout"}[{{window}}]))',
    },
  });

const WindowSchema = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('rolling'), days: z.number().int().min(1).max(90) }),
    z.strictObject({ type: z.literal('calendar_month') }),
  ])
  .openapi('SloWindow');

const BurnRateAlertSchema = z
  .strictObject({
    severity: z.enum(['page', 'ticket']),
    longWindow: z.string().regex(DURATION, 'a duration like 1h, 30m or 3d'),
    shortWindow: z.string().regex(DURATION, 'a duration like 5m'),
    factor: z.number().gt(0).max(1000),
  })
  .refine(
    (a) =>
      !DURATION.test(a.longWindow) ||
      !DURATION.test(a.shortWindow) ||
      durationSeconds(a.shortWindow) < durationSeconds(a.longWindow),
    {
      path: ['shortWindow'],
      message: 'must be shorter than longWindow',
    }
  );

export const SloInputSchema = z
  .strictObject({
    service: z.string().min(1).max(63),
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lowercase letters, digits, dot, dash or underscore; at most 63'),
    description: z.string().max(2000).optional(),
    sli: SliSchema,
    objective: z.number().gt(0).lt(100).openapi({ example: 99.9, description: 'Percent of good events' }),
    window: WindowSchema,
    burnRateAlerts: z
      .array(BurnRateAlertSchema)
      .min(1)
      .max(8)
      .nullable()
      .optional()
      .openapi({ description: 'null: the SRE workbook tiers' }),
  })
  .openapi('SloInput');

export const SloSchema = z
  .object({
    id: z.uuid(),
    service: z.string(),
    name: z.string(),
    description: z.string(),
    sli: SliSchema,
    objective: z.number(),
    window: WindowSchema,
    burnRateAlerts: z.array(BurnRateAlertSchema),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    version: z.number().int(),
  })
  .openapi('Slo');

export const CostSchema = z.object({
  id: z.uuid(),
  reference: z.string(),
  title: z.string(),
  startedAt: z.iso.datetime(),
  resolvedAt: z.iso.datetime().nullable(),
  budgetBurned: z
    .number()
    .nullable()
    .openapi({ description: "Share of the window's error budget spent inside the incident" }),
  budgetBurnedMinutes: z.number().nullable(),
});

const n = z.number().nullable();
export const StatusSchema = z
  .object({
    slo: SloSchema,
    at: z.iso.datetime(),
    window: z.object({ start: z.iso.datetime(), seconds: z.number(), budgetMinutes: z.number() }),
    sli: n,
    errorRatio: n,
    errorBudget: z.number(),
    budgetRemaining: n.openapi({ description: '1 untouched, 0 spent, negative overspent' }),
    budgetRemainingMinutes: n,
    burnRates: z.object({ '5m': n, '1h': n, '6h': n, '3d': n }),
    incidents: z.array(CostSchema),
    warnings: z.array(z.string()),
  })
  .openapi('SloStatus');

export const wireSlo = (s: Slo) => ({
  ...s,
  burnRateAlerts: s.burnRateAlerts ?? [...DEFAULT_BURN_RATE_ALERTS],
  createdAt: iso(s.createdAt),
  updatedAt: iso(s.updatedAt),
});
export const wireCost = <T extends { startedAt: Date; resolvedAt: Date | null }>(c: T) => ({
  ...c,
  startedAt: iso(c.startedAt),
  resolvedAt: iso(c.resolvedAt),
});
