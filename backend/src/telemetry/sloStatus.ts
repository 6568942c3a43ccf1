/**
 * An SLO's status from Prometheus: the queries (all in parallel, through the client's policy and cache) and the
 * arithmetic of domain/slo.ts on their answers.
 */
import {
  badRateQuery,
  budgetMinutes,
  budgetRemaining,
  burnRate,
  errorBudget,
  errorRatioQuery,
  incidentBudgetBurned,
  secondsRange,
  STATUS_BURN_WINDOWS,
  totalRateQuery,
  windowBounds,
  type Sli,
  type SloWindow,
} from '../domain/slo.js';
import { singleValue, type PrometheusClient } from './prometheus.js';

export interface SloForStatus {
  sli: Sli;
  objective: number;
  window: SloWindow;
}

export interface IncidentWindow {
  id: string;
  reference: string;
  title: string;
  startedAt: Date;
  resolvedAt: Date | null;
}

export interface IncidentCost extends IncidentWindow {
  /** Share of the SLO window's error budget spent inside the incident (null: no traffic to judge by). */
  budgetBurned: number | null;
  /** The same in minutes of the window's budget. */
  budgetBurnedMinutes: number | null;
}

export interface SloStatus {
  at: Date;
  window: { start: Date; seconds: number; budgetMinutes: number };
  /** Good / total over the window so far; null without traffic. */
  sli: number | null;
  errorRatio: number | null;
  errorBudget: number;
  budgetRemaining: number | null;
  budgetRemainingMinutes: number | null;
  burnRates: Record<(typeof STATUS_BURN_WINDOWS)[number], number | null>;
  incidents: IncidentCost[];
  warnings: string[];
}

// A rolling window is written in days ("30d"), so its series stay the ones the exported recording rules use.
const windowRange = (window: SloWindow, elapsedSeconds: number) =>
  window.type === 'rolling' ? `${window.days}d` : secondsRange(elapsedSeconds);

/**
 * What one incident cost an SLO: the bad events inside the incident (clamped to the SLO window and to `at`) over
 * the bad events the whole window allows. `windowTotalRate` is all events per second over the window.
 */
export async function incidentCosts(
  client: PrometheusClient,
  slo: SloForStatus,
  incidents: IncidentWindow[],
  context: {
    at: Date;
    windowStart: Date;
    windowSeconds: number;
    windowTotalRate: number | null;
    signal?: AbortSignal;
    warnings: string[];
  }
): Promise<IncidentCost[]> {
  const minutes = budgetMinutes(slo.window, slo.objective, context.at);
  return Promise.all(
    incidents.map(async (incident) => {
      const start = Math.max(incident.startedAt.getTime(), context.windowStart.getTime());
      const end = Math.min(incident.resolvedAt?.getTime() ?? Infinity, context.at.getTime());
      const incidentSeconds = Math.round((end - start) / 1000);
      if (incidentSeconds < 1) return { ...incident, budgetBurned: null, budgetBurnedMinutes: null };
      const answer = await client.query(badRateQuery(slo.sli, secondsRange(incidentSeconds)), {
        time: new Date(end),
        signal: context.signal,
      });
      context.warnings.push(...answer.warnings);
      const burned = incidentBudgetBurned({
        badRate: singleValue(answer),
        incidentSeconds,
        windowTotalRate: context.windowTotalRate,
        windowSeconds: context.windowSeconds,
        objectivePercent: slo.objective,
      });
      return { ...incident, budgetBurned: burned, budgetBurnedMinutes: burned === null ? null : burned * minutes };
    })
  );
}

/** Asks Prometheus for the SLI, the burn rates and each incident's cost, at `at`, in parallel. */
export async function sloStatus(
  client: PrometheusClient,
  slo: SloForStatus,
  incidents: IncidentWindow[],
  at: Date,
  signal?: AbortSignal
): Promise<SloStatus> {
  const bounds = windowBounds(slo.window, at);
  const range = windowRange(slo.window, bounds.elapsedSeconds);
  const warnings: string[] = [];
  const ask = async (expr: string) => {
    const answer = await client.query(expr, { time: at, signal });
    warnings.push(...answer.warnings);
    return singleValue(answer);
  };
  const [errorRatio, windowTotalRate, ...rates] = await Promise.all([
    ask(errorRatioQuery(slo.sli, range)),
    ask(totalRateQuery(slo.sli, range)),
    ...STATUS_BURN_WINDOWS.map((w) => ask(errorRatioQuery(slo.sli, w))),
  ]);
  const costs = await incidentCosts(client, slo, incidents, {
    at,
    windowStart: bounds.start,
    windowSeconds: bounds.elapsedSeconds,
    windowTotalRate,
    signal,
    warnings,
  });
  const remaining = budgetRemaining(errorRatio ?? null, slo.objective);
  const minutes = budgetMinutes(slo.window, slo.objective, at);
  return {
    at,
    window: { start: bounds.start, seconds: bounds.elapsedSeconds, budgetMinutes: minutes },
    sli: errorRatio === null || errorRatio === undefined ? null : 1 - errorRatio,
    errorRatio: errorRatio ?? null,
    errorBudget: errorBudget(slo.objective),
    budgetRemaining: remaining,
    budgetRemainingMinutes: remaining === null ? null : remaining * minutes,
    burnRates: Object.fromEntries(
      STATUS_BURN_WINDOWS.map((w, n) => [w, burnRate(rates[n] ?? null, slo.objective)])
    ) as SloStatus['burnRates'],
    incidents: costs,
    warnings: [...new Set(warnings)],
  };
}

/** What one incident cost one SLO, evaluated at `at` (the war room's view of a single incident). */
export async function incidentCost(
  client: PrometheusClient,
  slo: SloForStatus,
  incident: IncidentWindow,
  at: Date,
  signal?: AbortSignal
): Promise<IncidentCost> {
  const bounds = windowBounds(slo.window, at);
  const total = await client.query(totalRateQuery(slo.sli, windowRange(slo.window, bounds.elapsedSeconds)), {
    time: at,
    signal,
  });
  const context = {
    at,
    windowStart: bounds.start,
    windowSeconds: bounds.elapsedSeconds,
    windowTotalRate: singleValue(total),
    signal,
    warnings: [],
  };
  const [cost] = await incidentCosts(client, slo, [incident], context);
  return cost!;
}
