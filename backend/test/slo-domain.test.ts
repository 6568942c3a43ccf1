/** SLO maths (domain/slo.ts) against values worked out by hand, and the shape of generated rules. */
import { describe, expect, it } from 'vitest';
import {
  badRateQuery,
  budgetMinutes,
  budgetRemaining,
  burnRate,
  DEFAULT_BURN_RATE_ALERTS,
  durationSeconds,
  errorBudget,
  errorRatioQuery,
  generateRules,
  incidentBudgetBurned,
  renderQuery,
  rulesToYaml,
  totalRateQuery,
  windowBounds,
} from '../src/domain/slo.js';

describe('budget and burn rate', () => {
  it('computes the budget, burn rate and what is left', () => {
    expect(errorBudget(99.9)).toBe(0.001);
    expect(errorBudget(99)).toBe(0.01);
    expect(errorBudget(95)).toBe(0.05);
    // 0.2 % errors against a 0.1 % budget: burning twice as fast as sustainable, budget overspent by 100 %.
    expect(burnRate(0.002, 99.9)).toBeCloseTo(2, 12);
    expect(budgetRemaining(0.002, 99.9)).toBeCloseTo(-1, 12);
    // 0.025 % errors: a quarter of the budget spent.
    expect(budgetRemaining(0.00025, 99.9)).toBeCloseTo(0.75, 12);
    expect(burnRate(null, 99.9)).toBeNull();
    expect(burnRate(NaN, 99.9)).toBeNull();
    expect(budgetRemaining(0, 99.9)).toBe(1);
  });

  it('counts budget minutes over the window: 30 d at 99.9 % is 43.2 min, a 31-day month at 99 % 446.4 min', () => {
    const now = new Date('2026-03-15T12:00:00Z');
    expect(budgetMinutes({ type: 'rolling', days: 30 }, 99.9, now)).toBeCloseTo(43.2, 9);
    expect(budgetMinutes({ type: 'rolling', days: 7 }, 99.5, now)).toBeCloseTo(50.4, 9);
    expect(budgetMinutes({ type: 'calendar_month' }, 99, now)).toBeCloseTo(446.4, 9);
    expect(budgetMinutes({ type: 'calendar_month' }, 99, new Date('2028-02-10T00:00:00Z'))).toBeCloseTo(417.6, 9); // leap February
  });

  it('bounds the window: rolling days back from now, or since the 1st of the month (UTC)', () => {
    const now = new Date('2026-03-15T12:00:00Z');
    expect(windowBounds({ type: 'rolling', days: 2 }, now)).toEqual({
      start: new Date('2026-03-13T12:00:00Z'),
      elapsedSeconds: 172_800,
      totalMinutes: 2880,
    });
    expect(windowBounds({ type: 'calendar_month' }, now)).toEqual({
      start: new Date('2026-03-01T00:00:00Z'),
      elapsedSeconds: 14 * 86_400 + 12 * 3600,
      totalMinutes: 31 * 1440,
    });
    expect(windowBounds({ type: 'calendar_month' }, new Date('2026-04-01T00:00:10Z')).elapsedSeconds).toBe(60); // at least a minute
  });

  it("charges an incident its bad events over the window's allowance", () => {
    // 2 failures/s for 10 min = 1,200 bad events; the window saw 100 req/s for 30 days = 259.2 M events, of which
    // 0.1 % (259,200) may fail: the incident burned 1,200 / 259,200 of the budget.
    const burned = incidentBudgetBurned({
      badRate: 2,
      incidentSeconds: 600,
      windowTotalRate: 100,
      windowSeconds: 30 * 86_400,
      objectivePercent: 99.9,
    });
    expect(burned).toBeCloseTo(1200 / 259_200, 12);
    expect(
      incidentBudgetBurned({
        badRate: null,
        incidentSeconds: 600,
        windowTotalRate: 100,
        windowSeconds: 60,
        objectivePercent: 99,
      })
    ).toBeNull();
    expect(
      incidentBudgetBurned({
        badRate: 1,
        incidentSeconds: 600,
        windowTotalRate: 0,
        windowSeconds: 60,
        objectivePercent: 99,
      })
    ).toBeNull();
    expect(
      incidentBudgetBurned({
        badRate: -0.1,
        incidentSeconds: 60,
        windowTotalRate: 1,
        windowSeconds: 60,
        objectivePercent: 99,
      })
    ).toBe(0);
  });
});

describe('queries', () => {
  const ratio = {
    type: 'ratio' as const,
    good: 'sum(rate(ok_total[{{window}}]))',
    total: 'sum(rate(all_total[{{ window }}]))',
  };
  const errors = {
    type: 'errors' as const,
    errors: 'rate(err_total[{{window}}])',
    total: 'rate(all_total[{{window}}])',
  };

  it('fills every {{window}} and sums each side', () => {
    expect(renderQuery('a[{{window}}] / b[{{ window }}]', '5m')).toBe('a[5m] / b[5m]');
    expect(errorRatioQuery(ratio, '1h')).toBe('1 - (sum(sum(rate(ok_total[1h]))) / sum(sum(rate(all_total[1h]))))');
    expect(errorRatioQuery(errors, '30d')).toBe('sum(rate(err_total[30d])) / sum(rate(all_total[30d]))');
    expect(badRateQuery(ratio, '10s')).toBe('sum(sum(rate(all_total[10s]))) - sum(sum(rate(ok_total[10s])))');
    expect(badRateQuery(errors, '10s')).toBe('sum(rate(err_total[10s]))');
    expect(totalRateQuery(errors, '6h')).toBe('sum(rate(all_total[6h]))');
  });

  it('reads durations', () => {
    expect(
      DEFAULT_BURN_RATE_ALERTS.map((a) => [durationSeconds(a.longWindow), durationSeconds(a.shortWindow)])
    ).toEqual([
      [3600, 300],
      [21_600, 1800],
      [86_400, 7200],
      [259_200, 21_600],
    ]);
  });
});

describe('generateRules', () => {
  it('records each window once and pages/tickets on the workbook tiers, labelled to route back to intake', () => {
    const file = generateRules([
      {
        id: 'id-1',
        service: 'checkout',
        name: 'availability',
        objective: 99.9,
        sli: { type: 'errors', errors: 'rate(e[{{window}}])', total: 'rate(t[{{window}}])' },
        burnRateAlerts: DEFAULT_BURN_RATE_ALERTS,
      },
    ]);
    expect(file.groups).toHaveLength(1);
    const [group] = file.groups;
    expect(group!.name).toBe('reliability-studio/checkout/availability');
    expect(group!.rules.filter((r) => r.record).map((r) => r.record)).toEqual(
      ['5m', '30m', '1h', '2h', '6h', '1d', '3d'].map((w) => `slo:sli_error:ratio_rate${w}`)
    );
    const [page, ticket] = group!.rules.filter((r) => r.alert);
    expect(page!.expr).toBe(
      '(slo:sli_error:ratio_rate1h{studio_slo_id="id-1"} > (14.4 * 0.001) and slo:sli_error:ratio_rate5m{studio_slo_id="id-1"} > (14.4 * 0.001))' +
        ' or (slo:sli_error:ratio_rate6h{studio_slo_id="id-1"} > (6 * 0.001) and slo:sli_error:ratio_rate30m{studio_slo_id="id-1"} > (6 * 0.001))'
    );
    expect(page!.labels).toEqual({
      studio_slo_id: 'id-1',
      service: 'checkout',
      slo: 'availability',
      severity: 'critical',
      slo_severity: 'page',
      reliability_studio: 'slo',
    });
    expect(ticket!.labels).toMatchObject({ severity: 'warning', slo_severity: 'ticket' });
    expect(ticket!.expr).toContain('slo:sli_error:ratio_rate3d{studio_slo_id="id-1"} > (1 * 0.001)');
  });

  it('writes YAML whose every string is quoted, and an empty file when there are no SLOs', () => {
    expect(rulesToYaml({ groups: [] })).toBe('groups: []\n');
    const yaml = rulesToYaml({
      groups: [{ name: 'g', rules: [{ record: 'r', expr: 'a{x="1: #y"}', labels: { k: 'v\n' } }] }],
    });
    expect(yaml).toBe(
      [
        'groups:',
        '  - name: "g"',
        '    rules:',
        '      - record: "r"',
        '        expr: "a{x=\\"1: #y\\"}"',
        '        labels:',
        '          "k": "v\\n"',
        '',
      ].join('\n')
    );
  });
});
