/**
 * SLO maths and Prometheus rule generation, as pure functions (the route asks Prometheus, this computes).
 * Vocabulary (Google SRE workbook, ch. 5): the error budget is 1 − objective; the burn rate over a window is the
 * error ratio in it divided by the budget (1 means "spends exactly the budget over the SLO window").
 */

export type SloWindow = { type: 'rolling'; days: number } | { type: 'calendar_month' };

/**
 * The SLI as PromQL templates: `{{window}}` is replaced by a range ("5m", "30d"). `ratio`: good/total;
 * `errors`: errors/total. Each template should be a rate or increase over the window, e.g.
 * `sum(rate(http_requests_total{job="checkout",code!~"5.."}[{{window}}]))`.
 */
export type Sli = { type: 'ratio'; good: string; total: string } | { type: 'errors'; errors: string; total: string };

export interface BurnRateAlert {
  severity: 'page' | 'ticket';
  longWindow: string;
  shortWindow: string;
  factor: number;
}

/** Multi-window multi-burn-rate alerts of the SRE workbook (table 5-8). */
export const DEFAULT_BURN_RATE_ALERTS: readonly BurnRateAlert[] = Object.freeze([
  { severity: 'page', longWindow: '1h', shortWindow: '5m', factor: 14.4 },
  { severity: 'page', longWindow: '6h', shortWindow: '30m', factor: 6 },
  { severity: 'ticket', longWindow: '1d', shortWindow: '2h', factor: 3 },
  { severity: 'ticket', longWindow: '3d', shortWindow: '6h', factor: 1 },
]);

/** The windows `GET /api/slos/:id/status` reports burn rates for. */
export const STATUS_BURN_WINDOWS = ['5m', '1h', '6h', '3d'] as const;

export const WINDOW_PLACEHOLDER = /\{\{\s*window\s*\}\}/g;
/** PromQL durations this module writes and accepts in burn-rate alerts. */
export const DURATION = /^[1-9]\d{0,3}(m|h|d)$/;

/** Fills a template's `{{window}}` placeholders. */
export function renderQuery(template: string, window: string): string {
  return template.replace(WINDOW_PLACEHOLDER, window);
}

/** PromQL for the error ratio over `window`. Each side is summed, so label sets never break the division. */
export function errorRatioQuery(sli: Sli, window: string): string {
  return sli.type === 'ratio'
    ? `1 - (sum(${renderQuery(sli.good, window)}) / sum(${renderQuery(sli.total, window)}))`
    : `sum(${renderQuery(sli.errors, window)}) / sum(${renderQuery(sli.total, window)})`;
}

/** PromQL for bad events per second averaged over `window` (× the window's seconds = bad events in it). */
export function badRateQuery(sli: Sli, window: string): string {
  return sli.type === 'ratio'
    ? `sum(${renderQuery(sli.total, window)}) - sum(${renderQuery(sli.good, window)})`
    : `sum(${renderQuery(sli.errors, window)})`;
}

/** PromQL for all events per second averaged over `window`. */
export function totalRateQuery(sli: Sli, window: string): string {
  return `sum(${renderQuery(sli.total, window)})`;
}

/** Share of events allowed to fail: 99.9 → 0.001. */
export function errorBudget(objectivePercent: number): number {
  // Rounded to 12 significant digits: 100 − 99.9 is 0.0999999999999943 in binary floating point.
  return Number(((100 - objectivePercent) / 100).toPrecision(12));
}

/** Error ratio ÷ budget; null when there was no traffic (0/0 has no burn rate). */
export function burnRate(errorRatio: number | null, objectivePercent: number): number | null {
  return errorRatio === null || !Number.isFinite(errorRatio) ? null : errorRatio / errorBudget(objectivePercent);
}

/** Share of the budget left over the window so far: 1 untouched, 0 spent, negative overspent. */
export function budgetRemaining(errorRatio: number | null, objectivePercent: number): number | null {
  const rate = burnRate(errorRatio, objectivePercent);
  return rate === null ? null : 1 - rate;
}

/** The window's start, its length so far, and its full length, at `now`. Calendar months are UTC. */
export function windowBounds(
  window: SloWindow,
  now: Date
): { start: Date; elapsedSeconds: number; totalMinutes: number } {
  if (window.type === 'rolling') {
    const seconds = window.days * 86_400;
    return {
      start: new Date(now.getTime() - seconds * 1000),
      elapsedSeconds: seconds,
      totalMinutes: window.days * 1440,
    };
  }
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  // At least a minute, so a status asked for at midnight on the 1st still has a range to query.
  const elapsedSeconds = Math.max(60, Math.floor((now.getTime() - start.getTime()) / 1000));
  return { start, elapsedSeconds, totalMinutes: (next - start.getTime()) / 60_000 };
}

/** The whole window's budget in minutes of full outage: 30 days at 99.9 % → 43.2. */
export function budgetMinutes(window: SloWindow, objectivePercent: number, now: Date): number {
  return windowBounds(window, now).totalMinutes * errorBudget(objectivePercent);
}

/**
 * Share of the SLO window's budget spent inside one incident: the bad events in the incident's window over the
 * bad events the SLO window allows (budget × all events in the SLO window). Rates are per second, durations in
 * seconds; null without traffic.
 */
export function incidentBudgetBurned(input: {
  badRate: number | null;
  incidentSeconds: number;
  windowTotalRate: number | null;
  windowSeconds: number;
  objectivePercent: number;
}): number | null {
  const { badRate, incidentSeconds, windowTotalRate, windowSeconds, objectivePercent } = input;
  if (badRate === null || windowTotalRate === null || !Number.isFinite(badRate) || !(windowTotalRate > 0)) return null;
  const allowed = errorBudget(objectivePercent) * windowTotalRate * windowSeconds;
  return (Math.max(0, badRate) * incidentSeconds) / allowed;
}

/** A PromQL range covering `seconds` (whole seconds; Prometheus rejects fractions in some versions). */
export function secondsRange(seconds: number): string {
  return `${Math.max(1, Math.round(seconds))}s`;
}

/** What rule generation needs to know about an SLO. */
export interface SloRuleInput {
  id: string;
  service: string;
  name: string;
  objective: number;
  sli: Sli;
  burnRateAlerts: readonly BurnRateAlert[];
}

export interface PrometheusRule {
  record?: string;
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleFile {
  groups: Array<{ name: string; rules: PrometheusRule[] }>;
}

/** Labels on every exported alert; an Alertmanager route matching `reliability_studio="slo"` sends them back here. */
export const SLO_ALERT_ROUTE_LABEL = 'reliability_studio';

const SEVERITY_LABEL: Record<BurnRateAlert['severity'], string> = { page: 'critical', ticket: 'warning' };

const recordName = (window: string) => `slo:sli_error:ratio_rate${window}`;

/**
 * Prometheus recording rules (the error ratio over every window the alerts use) and multi-window multi-burn-rate
 * alerts, one group per SLO. Page tiers become one `critical` alert and ticket tiers one `warning` alert (each an
 * `or` of its tiers), so a fast burn pages once rather than once per tier.
 */
export function generateRules(slos: readonly SloRuleInput[]): RuleFile {
  return {
    groups: slos.map((slo) => {
      const ids = { studio_slo_id: slo.id, service: slo.service, slo: slo.name };
      const selector = `{studio_slo_id=${JSON.stringify(slo.id)}}`;
      const windows = [...new Set(slo.burnRateAlerts.flatMap((a) => [a.shortWindow, a.longWindow]))].sort(
        (a, b) => durationSeconds(a) - durationSeconds(b)
      );
      const rules: PrometheusRule[] = windows.map((w) => ({
        record: recordName(w),
        expr: errorRatioQuery(slo.sli, w),
        labels: ids,
      }));
      const budget = errorBudget(slo.objective);
      for (const severity of ['page', 'ticket'] as const) {
        const tiers = slo.burnRateAlerts.filter((a) => a.severity === severity);
        if (tiers.length === 0) continue;
        const expr = tiers
          .map((t) => {
            const threshold = `${t.factor} * ${budget}`;
            return `(${recordName(t.longWindow)}${selector} > (${threshold}) and ${recordName(t.shortWindow)}${selector} > (${threshold}))`;
          })
          .join(' or ');
        rules.push({
          alert: 'ErrorBudgetBurn',
          expr,
          labels: {
            ...ids,
            severity: SEVERITY_LABEL[severity],
            slo_severity: severity,
            [SLO_ALERT_ROUTE_LABEL]: 'slo',
          },
          annotations: {
            summary: `${slo.service}/${slo.name} is burning its error budget too fast`,
            description:
              `Objective ${slo.objective}%. Burn-rate tiers: ` +
              tiers.map((t) => `${t.factor}x over ${t.longWindow} and ${t.shortWindow}`).join('; ') +
              '.',
          },
        });
      }
      return { name: `reliability-studio/${slo.service}/${slo.name}`, rules };
    }),
  };
}

/** Seconds in a DURATION ("5m", "3d"). */
export function durationSeconds(duration: string): number {
  const m = DURATION.exec(duration);
  if (!m) throw new Error(`not a duration: ${duration}`);
  return parseInt(duration, 10) * { m: 60, h: 3600, d: 86_400 }[m[1] as 'm' | 'h' | 'd'];
}

/**
 * YAML for a rule file. Every string is written double-quoted as JSON (a JSON string is a valid YAML
 * double-quoted scalar), so no PromQL or label value can be misread as YAML syntax.
 */
export function rulesToYaml(file: RuleFile): string {
  const lines: string[] = ['groups:'];
  const scalar = (v: unknown) => (typeof v === 'number' ? String(v) : JSON.stringify(String(v)));
  for (const group of file.groups) {
    lines.push(`  - name: ${scalar(group.name)}`, '    rules:');
    for (const rule of group.rules) {
      const entries = Object.entries(rule).filter(([, v]) => v !== undefined);
      entries.forEach(([key, value], n) => {
        const lead = n === 0 ? '      - ' : '        ';
        if (value !== null && typeof value === 'object') {
          lines.push(`${lead}${key}:`);
          for (const [k, v] of Object.entries(value)) lines.push(`          ${scalar(k)}: ${scalar(v)}`);
        } else {
          lines.push(`${lead}${key}: ${scalar(value)}`);
        }
      });
    }
  }
  if (file.groups.length === 0) lines[0] = 'groups: []';
  return `${lines.join('\n')}\n`;
}
