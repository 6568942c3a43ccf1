import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { alertFingerprint, type AlertSource, type IncomingAlert, type IncomingNotification } from '../domain/alerts.js';
import { AppError } from '../domain/errors.js';
import { toStorable } from '../domain/storable.js';
import { createRouter, type AppEnv } from '../http/context.js';
import { errorResponses, jsonContent } from '../http/openapi.js';
import type { Database } from '../store/db.js';
import { ingestAlerts } from '../store/intake.js';
import { InstantSchema } from './sharedSchemas.js';

// Generous but bounded: real label sets are small, annotations can hold a paragraph or a runbook.
const LabelsSchema = z.record(z.string().min(1).max(256), z.string().max(8192));
const AnnotationsSchema = z.record(z.string().min(1).max(256), z.string().max(65_536));
const TimestampSchema = InstantSchema;
// Firing alerts carry Go's zero time ("0001-01-01T00:00:00Z"), some senders an empty string or null.
const EndsAtSchema = z
  .union([TimestampSchema, z.literal('')])
  .nullable()
  .optional();
const StatusSchema = z.enum(['firing', 'resolved']);
const UrlSchema = z.string().max(4096).nullable().optional();
/** Larger than any real notification group; Alertmanager's max_alerts truncates when set. */
const MAX_ALERTS = 10_000;

const AlertSchema = z.object({
  status: StatusSchema.optional(),
  labels: LabelsSchema.refine((l) => Object.keys(l).length > 0, 'an alert needs at least one label'),
  annotations: AnnotationsSchema.default({}),
  startsAt: TimestampSchema,
  endsAt: EndsAtSchema,
  generatorURL: UrlSchema,
  fingerprint: z.string().trim().min(1).max(128).optional(),
});

const NotificationFields = {
  version: z.string().max(16).optional(),
  groupKey: z.string().max(16_384).optional(),
  truncatedAlerts: z.number().int().min(0).optional(),
  status: StatusSchema.optional(),
  receiver: z.string().max(1024).default(''),
  groupLabels: LabelsSchema.nullable().optional(),
  commonLabels: LabelsSchema.nullable().optional(),
  commonAnnotations: AnnotationsSchema.nullable().optional(),
  externalURL: UrlSchema,
};

/** Alertmanager webhook v4. Older captures lack per-alert status, fingerprint and generatorURL: all optional. */
const AlertmanagerPayloadSchema = z
  .object({ ...NotificationFields, alerts: z.array(AlertSchema).min(1).max(MAX_ALERTS) })
  .openapi('AlertmanagerWebhook');

/** Grafana Alerting's webhook contact point: Alertmanager's shape plus per-alert links and values. */
const GrafanaPayloadSchema = z
  .object({
    ...NotificationFields,
    orgId: z.number().int().optional(),
    title: z.string().max(65_536).optional(),
    state: z.string().max(64).optional(),
    message: z.string().max(1_000_000).optional(),
    alerts: z
      .array(
        AlertSchema.extend({
          silenceURL: UrlSchema,
          dashboardURL: UrlSchema,
          panelURL: UrlSchema,
          imageURL: UrlSchema,
          values: z.record(z.string().max(256), z.number().nullable()).nullable().optional(),
          valueString: z.string().max(65_536).optional(),
        })
      )
      .min(1)
      .max(MAX_ALERTS),
  })
  .openapi('GrafanaWebhook');

const IntakeSummarySchema = z
  .object({
    received: z.number().int().openapi({ description: 'Alerts in the payload' }),
    alerts: z
      .number()
      .int()
      .openapi({ description: 'Distinct alerts after merging copies (same fingerprint and startsAt)' }),
    created: z.number().int().openapi({ description: 'Alerts seen for the first time' }),
    resolved: z.number().int().openapi({ description: 'Alerts this delivery resolved' }),
    suppressed: z.number().int().openapi({ description: 'Alerts matched by a silence or maintenance window' }),
    incidents: z.array(z.object({ id: z.uuid(), reference: z.string(), opened: z.boolean() })),
  })
  .openapi('IntakeSummary');

const TokenQuerySchema = z.object({
  token: z
    .string()
    .optional()
    .openapi({ description: 'An integration token, for senders that cannot set an Authorization header' }),
});

/** Only integration tokens (and the admin token, for tests and scripts) post alerts. */
const requireIntakeRole: MiddlewareHandler<AppEnv> = async (c, next) => {
  const { role } = c.get('principal');
  if (role !== 'integration' && role !== 'admin') {
    throw new AppError({
      code: 'FORBIDDEN',
      message: `Posting alerts needs an integration token; yours has the ${role} role`,
      details: { needed: 'integration', role },
    });
  }
  return next();
};

const intakeRoute = <S extends z.ZodType>(path: string, operationId: string, schema: S, summary: string) =>
  createRoute({
    method: 'post',
    path,
    operationId,
    tags: ['Alert intake'],
    summary,
    description:
      'Idempotent on (source, fingerprint, startsAt): retries and repeat notifications update one alert. The whole ' +
      'payload is stored in one transaction; any non-2xx answer means nothing was stored, so the sender should retry.',
    middleware: [requireIntakeRole] as const,
    request: { query: TokenQuerySchema, body: { required: true, content: { 'application/json': { schema } } } },
    responses: {
      200: jsonContent(IntakeSummarySchema, 'Every alert in the payload is stored'),
      ...errorResponses(400, 401, 403, 413, 415, 503),
    },
  });

type ParsedAlert = z.infer<typeof AlertSchema> & Record<string, unknown>;

/**
 * The delivery as the store takes it. Nothing a sender delivers is refused for its characters: a refused delivery
 * is retried whole until the sender gives up, losing every alert in it. So strings Postgres cannot store (NUL, lone
 * surrogates) are stored with U+FFFD (domain/storable.ts), and an alert without a fingerprint gets Alertmanager's
 * over its labels as sent, before that replacement, so its identity is the one the sender would compute.
 */
function toNotification(
  source: AlertSource,
  payload: { groupKey?: string; receiver: string; externalURL?: string | null; alerts: ParsedAlert[] },
  extras: (a: ParsedAlert) => Record<string, unknown>
): IncomingNotification {
  const alerts: IncomingAlert[] = payload.alerts.map((a) => ({
    status: a.status,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: a.startsAt,
    endsAt: a.endsAt,
    generatorURL: a.generatorURL,
    fingerprint: a.fingerprint || alertFingerprint(a.labels),
    details: extras(a),
  }));
  const details = { receiver: payload.receiver, externalURL: payload.externalURL ?? null };
  return toStorable({ source, receiver: payload.receiver, groupKey: payload.groupKey || null, alerts, details });
}

const grafanaExtras = (a: ParsedAlert) =>
  Object.fromEntries(
    ['silenceURL', 'dashboardURL', 'panelURL', 'imageURL', 'values', 'valueString']
      .filter((k) => a[k])
      .map((k) => [k, a[k]])
  );

/**
 * Webhook receivers for Alertmanager and Grafana Alerting. Alert intake is a critical route: it has its own rate
 * budget and is shed last (http/limits.ts), and answers 2xx only once every alert is committed.
 */
export function integrationRoutes(db: Database) {
  return createRouter({ isUnstorableTextAccepted: true })
    .openapi(
      intakeRoute(
        '/alertmanager',
        'receiveAlertmanagerWebhook',
        AlertmanagerPayloadSchema,
        'Alertmanager webhook receiver (webhook_configs)'
      ),
      async (c) => {
        const notification = toNotification('alertmanager', c.req.valid('json'), () => ({}));
        const summary = await db.write((sql) => ingestAlerts(sql, notification, c.get('principal').actor));
        return c.json(summary, 200);
      }
    )
    .openapi(
      intakeRoute('/grafana', 'receiveGrafanaWebhook', GrafanaPayloadSchema, 'Grafana Alerting webhook contact point'),
      async (c) => {
        const notification = toNotification('grafana', c.req.valid('json'), grafanaExtras);
        const summary = await db.write((sql) => ingestAlerts(sql, notification, c.get('principal').actor));
        return c.json(summary, 200);
      }
    );
}
