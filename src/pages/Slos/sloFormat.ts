import type { SloStatus, SloWindow } from '../../api/types';

/** 0.99953 → "99.953%"; null → "—". Enough digits to tell 99.9 from 99.95. */
export function formatPercent(ratio: number | null, digits = 3): string {
  if (ratio === null || !Number.isFinite(ratio)) {
    return '—';
  }
  const percent = Number((ratio * 100).toFixed(digits));
  // A typographic minus, like formatMinutes: overspent budgets read the same in both figures.
  return percent < 0 ? `−${-percent}%` : `${percent}%`;
}

/** Minutes as "3 d 4 h", "2 h 5 m", "12 m", "40 s"; negative values keep their sign (overspent). */
export function formatMinutes(minutes: number | null): string {
  if (minutes === null || !Number.isFinite(minutes)) {
    return '—';
  }
  const sign = minutes < 0 ? '−' : '';
  const m = Math.abs(minutes);
  if (m < 1) {
    return `${sign}${Math.round(m * 60)} s`;
  }
  if (m < 60) {
    return `${sign}${Math.round(m)} m`;
  }
  if (m < 24 * 60) {
    return `${sign}${Math.floor(m / 60)} h ${Math.round(m % 60)} m`;
  }
  return `${sign}${Math.floor(m / 1440)} d ${Math.floor((m % 1440) / 60)} h`;
}

/** A burn rate: 1 spends the budget exactly over the window; "14.4×". */
export function formatBurnRate(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate)) {
    return '—';
  }
  return `${rate < 10 ? rate.toFixed(2) : rate.toFixed(1)}×`;
}

export function windowLabel(window: SloWindow): string {
  return window.type === 'rolling' ? `${window.days} ${window.days === 1 ? 'day' : 'days'}, rolling` : 'Calendar month';
}

export type BudgetLevel = 'healthy' | 'low' | 'exhausted' | 'unknown';

/** How worried to be: more than a quarter left is healthy; none left is exhausted. */
export function budgetLevel(remaining: number | null | undefined): BudgetLevel {
  if (remaining === null || remaining === undefined) {
    return 'unknown';
  }
  return remaining <= 0 ? 'exhausted' : remaining < 0.25 ? 'low' : 'healthy';
}

/** Least budget left first; SLOs without a figure (no status, no traffic) last, by name. */
export function byBudgetLeft<T extends { name: string; status?: Pick<SloStatus, 'budgetRemaining'> }>(
  a: T,
  b: T
): number {
  const ra = a.status?.budgetRemaining ?? null;
  const rb = b.status?.budgetRemaining ?? null;
  if (ra !== null && rb !== null && ra !== rb) {
    return ra - rb;
  }
  if ((ra === null) !== (rb === null)) {
    return ra === null ? 1 : -1;
  }
  return a.name.localeCompare(b.name);
}
