import { issueField, validationIssues, type ApiError } from '../../api/errors';
import type { Service, ServiceInput, ServiceQueries, ValidationIssue } from '../../api/types';

export const QUERY_FIELDS = [
  { key: 'requestRate', label: 'Request rate', language: 'PromQL', help: 'Requests per second' },
  { key: 'errorRatio', label: 'Error ratio', language: 'PromQL', help: 'Share of requests that failed, 0–1' },
  { key: 'latencyP95', label: 'Latency p95', language: 'PromQL', help: '95th percentile latency in seconds' },
  { key: 'errorLogs', label: 'Error logs', language: 'LogQL', help: "The service's error log lines" },
  { key: 'traces', label: 'Traces', language: 'TraceQL', help: "The service's traces" },
] as const;
export type QueryKey = (typeof QUERY_FIELDS)[number]['key'];

/** What the form edits, as strings (empty: not set). Labels are one `name=value` a line. */
export interface ServiceFormValues {
  name: string;
  team: string;
  tier: 1 | 2 | 3 | 4;
  description: string;
  labels: string;
  runbookUrl: string;
  queries: Record<QueryKey, string>;
}

export type ServiceField = 'name' | 'team' | 'tier' | 'description' | 'labels' | 'runbookUrl' | QueryKey;
export type ServiceFieldErrors = Partial<Record<ServiceField, string>>;

const emptyQueries = (): Record<QueryKey, string> =>
  Object.fromEntries(QUERY_FIELDS.map((f) => [f.key, ''])) as Record<QueryKey, string>;

/** The form's starting values: a service's (editing) or empty ones (adding). */
export function formValuesOf(service?: Service): ServiceFormValues {
  if (!service) {
    return { name: '', team: '', tier: 3, description: '', labels: '', runbookUrl: '', queries: emptyQueries() };
  }
  return {
    name: service.name,
    team: service.team ?? '',
    tier: service.tier,
    description: service.description,
    labels: Object.entries(service.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
    runbookUrl: service.runbookUrl ?? '',
    queries: { ...emptyQueries(), ...service.queries },
  };
}

/** Reads `name=value` lines; a line without "=" or a name is reported with its line number. */
export function parseLabels(text: string): { labels: Record<string, string> } | { error: string } {
  const labels: Record<string, string> = {};
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '') {
      continue;
    }
    const at = line.indexOf('=');
    if (at <= 0) {
      return { error: `Line ${n + 1}: write a label as name=value.` };
    }
    labels[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return { labels };
}

function queriesOf(values: ServiceFormValues): ServiceQueries {
  const queries: ServiceQueries = {};
  for (const { key } of QUERY_FIELDS) {
    const value = values.queries[key].trim();
    if (value) {
      queries[key] = value;
    }
  }
  return queries;
}

/**
 * The POST body for a new service (empty fields left out, so the sidecar's defaults apply) or the PATCH body for an
 * edit (every field: emptied ones become null, and `queries` replaces all overrides). Local problems (labels that
 * do not parse) come back as field errors instead.
 */
export function inputOf(
  values: ServiceFormValues,
  mode: 'create' | 'edit'
): { input: ServiceInput } | { errors: ServiceFieldErrors } {
  const parsed = parseLabels(values.labels);
  if ('error' in parsed) {
    return { errors: { labels: parsed.error } };
  }
  const team = values.team.trim();
  const runbookUrl = values.runbookUrl.trim();
  const input: ServiceInput = {
    name: values.name.trim(),
    tier: values.tier,
    labels: parsed.labels,
    queries: queriesOf(values),
  };
  if (mode === 'edit') {
    return {
      input: { ...input, team: team || null, runbookUrl: runbookUrl || null, description: values.description.trim() },
    };
  }
  if (team) {
    input.team = team;
  }
  if (runbookUrl) {
    input.runbookUrl = runbookUrl;
  }
  if (values.description.trim()) {
    input.description = values.description.trim();
  }
  return { input };
}

const FIELDS: readonly string[] = ['name', 'team', 'tier', 'description', 'labels', 'runbookUrl'];

/** Splits a 400 VALIDATION_FAILED into messages per form field (`queries.errorRatio` → its own box) and the rest. */
export function serviceErrorsFrom(error: ApiError): { fields: ServiceFieldErrors; other: ValidationIssue[] } {
  const fields: ServiceFieldErrors = {};
  const other: ValidationIssue[] = [];
  for (const issue of validationIssues(error)) {
    const path = Array.isArray(issue.path) ? issue.path.map(String) : issue.path.split('.');
    const top = issueField(issue);
    const field = top === 'queries' && QUERY_FIELDS.some((f) => f.key === path[1]) ? (path[1] as QueryKey) : top;
    if (FIELDS.includes(field) || QUERY_FIELDS.some((f) => f.key === field)) {
      const key = field as ServiceField;
      fields[key] = fields[key] ? `${fields[key]} ${issue.message}` : issue.message;
    } else {
      other.push(issue);
    }
  }
  // A taken name is a 409, not a validation failure, but it belongs on the name field all the same.
  if (error.code === 'SERVICE_ALREADY_EXISTS') {
    fields.name = error.message;
  }
  return { fields, other };
}
