/**
 * Query templates: a service's labels fill them, so correlation works on a real stack without code changes.
 *
 * Placeholders: `{{selector}}` becomes the service's labels as PromQL/LogQL matchers (`service="checkout"`, values
 * escaped), `{{service}}` its name (escaped for a double-quoted string), and, in PromQL only, `{{range}}` the rate
 * window, which the Prometheus source picks per query from the step of the range query (like Grafana's
 * `$__rate_interval`), so it is left in place here. Per-service overrides live in `services.queries`; the defaults
 * below may be replaced by CORRELATION_DEFAULT_QUERIES (a JSON object with the same keys).
 */
import type { ServiceQuerySet } from './source.js';

export type QueryTemplates = ServiceQuerySet;
export type QueryOverrides = Partial<ServiceQuerySet>;

export const QUERY_KEYS = ['requestRate', 'errorRatio', 'latencyP95', 'errorLogs', 'traces'] as const;

/**
 * RED metrics of the Prometheus client libraries' conventional names (http_requests_total with a `code` label,
 * http_request_duration_seconds histogram), error lines by the words loggers use, and the service's traces by the
 * OpenTelemetry resource attribute.
 */
export const DEFAULT_QUERY_TEMPLATES: Readonly<QueryTemplates> = Object.freeze({
  requestRate: 'sum(rate(http_requests_total{{{selector}}}[{{range}}]))',
  errorRatio:
    'sum(rate(http_requests_total{{{selector}},code=~"5.."}[{{range}}])) / sum(rate(http_requests_total{{{selector}}}[{{range}}]))',
  latencyP95:
    'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{{{selector}}}[{{range}}])))',
  errorLogs: '{{{selector}}} |~ "(?i)(error|exception|fatal|panic)"',
  traces: '{ resource.service.name = "{{service}}" }',
});

/** Prometheus and Loki label names; anything else cannot be a matcher. */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A value inside double quotes in PromQL, LogQL or TraceQL (all three take Go-style escapes). */
export function quoteValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
}

/**
 * The labels as equality matchers, sorted so the same service always gives the same query (and cache key). A
 * service without labels is selected by `service="<name>"`, the catalog's default.
 */
export function selectorOf(name: string, labels: Record<string, string>): string {
  const entries = Object.entries(labels).filter(([key]) => LABEL_NAME.test(key));
  const matchers = entries.length > 0 ? entries.sort(([a], [b]) => a.localeCompare(b)) : [['service', name]];
  return matchers.map(([key, value]) => `${key}=${quoteValue(value!)}`).join(',');
}

/** Fills `{{selector}}` and `{{service}}` of one template. */
export function fillTemplate(template: string, service: { name: string; labels: Record<string, string> }): string {
  const selector = selectorOf(service.name, service.labels);
  const quotedName = quoteValue(service.name).slice(1, -1);
  return template
    .replace(/\{\{\s*selector\s*\}\}/g, () => selector)
    .replace(/\{\{\s*service\s*\}\}/g, () => quotedName);
}

/** Fills `{{range}}` (a PromQL duration such as `2m` or `30s`). */
export function fillRange(query: string, rangeSeconds: number): string {
  const range = rangeSeconds % 60 === 0 ? `${rangeSeconds / 60}m` : `${rangeSeconds}s`;
  return query.replace(/\{\{\s*range\s*\}\}/g, range);
}

/**
 * The service's effective queries: its own overrides, else the configured defaults, else the built-in ones; labels
 * and name filled in (`{{range}}` stays for the Prometheus source).
 */
export function effectiveQueries(
  service: { name: string; labels: Record<string, string>; queries?: QueryOverrides },
  defaults: Partial<QueryTemplates> = {}
): ServiceQuerySet {
  const filled = {} as ServiceQuerySet;
  for (const key of QUERY_KEYS) {
    const template = service.queries?.[key] || defaults[key] || DEFAULT_QUERY_TEMPLATES[key];
    filled[key] = fillTemplate(template, service);
  }
  return filled;
}
