/**
 * The SLOs page with live figures: a real Prometheus scrapes request counters of the checkout service (2 % of
 * requests fail), the sidecar computes each SLO's status from it, and the page orders the SLOs by budget left.
 */
import { expect, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { testIds } from '../src/components/testIds';
import { startHost } from '../host/server';
import { startPrometheusWith, type RunningPrometheus } from './support/prometheus';
import { SIDECAR_TOKEN, startSidecar, type RunningSidecar } from './support/sidecar';

const SHOTS = 'test-results/screenshots';
const ids = testIds.slos;

let prometheus: RunningPrometheus;
let sidecar: RunningSidecar;
let host: Awaited<ReturnType<typeof startHost>>;

test.beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  prometheus = await startPrometheusWith((n) =>
    [
      '# TYPE http_requests_total counter',
      `http_requests_total{service="checkout",code="200"} ${n * 98}`,
      `http_requests_total{service="checkout",code="500"} ${n * 2}`,
      '',
    ].join('\n')
  );
  sidecar = await startSidecar({ env: { PROMETHEUS_URL: prometheus.url } });
  host = await startHost({ env: { SIDECAR_URL: sidecar.url, STUDIO_ADMIN_TOKEN: SIDECAR_TOKEN } });
  const sli = {
    type: 'ratio',
    good: 'sum(rate(http_requests_total{service="checkout",code!~"5.."}[{{window}}]))',
    total: 'sum(rate(http_requests_total{service="checkout"}[{{window}}]))',
  };
  for (const [name, objective] of [
    ['checkout-lenient', 95],
    ['checkout-strict', 99],
  ] as const) {
    const res = await sidecar.api('/api/slos', {
      method: 'POST',
      body: JSON.stringify({ service: 'checkout', name, sli, objective, window: { type: 'rolling', days: 1 } }),
    });
    expect(res.status).toBe(201);
  }
});

test.afterAll(async () => {
  await host?.close();
  await sidecar?.stop();
  await prometheus?.stop();
});

test('orders SLOs by budget left, with SLI, budget, burn rates and the incidents that burned it', async ({ page }) => {
  // A few scrapes, so rates have two samples.
  await expect.poll(async () => (await (await sidecar.api('/api/slos')).json()).items.length).toBe(2);
  await expect
    .poll(
      async () => {
        const [slo] = (await (await sidecar.api('/api/slos')).json()).items;
        return (await (await sidecar.api(`/api/slos/${slo.id}/status`)).json()).sli;
      },
      { timeout: 20_000 }
    )
    .toBeCloseTo(0.98, 2);

  for (const theme of ['dark', 'light']) {
    await page.goto(`${host.url}/a/reliability-studio-app/slos${theme === 'light' ? '?theme=light' : ''}`);
    await expect(page.getByTestId(ids.budget)).toHaveCount(2, { timeout: 20_000 });
    const cards = page.getByTestId(ids.card);
    // 2 % errors: the 99 % SLO has overspent its budget (-100 %), the 95 % one keeps 60 %.
    await expect(cards.nth(0)).toHaveAttribute('data-slo-name', 'checkout-strict');
    await expect(cards.nth(0).getByTestId(ids.budget)).toContainText('−100%');
    await expect(cards.nth(0)).toContainText('Budget exhausted');
    await expect(cards.nth(1)).toHaveAttribute('data-slo-name', 'checkout-lenient');
    await expect(cards.nth(1).getByTestId(ids.budget)).toContainText('60%');
    await expect(cards.nth(1).getByTestId(ids.sli)).toContainText('98%');
    await expect(cards.nth(0)).toContainText('Burn rate 5m');
    // The demo incident on checkout started 42 minutes ago, inside the 1-day window.
    await expect(cards.nth(0).getByTestId(ids.incidents)).toContainText('Checkout error rate above 5%');
    await expect(page.getByTestId(ids.unavailable)).toHaveCount(0);
    await page.screenshot({ path: `${SHOTS}/slos-live-${theme}.png`, fullPage: true });
  }
});
