/**
 * The incidents list's filters, the Services, SLOs and Alerts pages, the config page's datasources and the Active
 * incidents panel, walked as an on-call engineer would: the built plugin in the host page, through the plugin proxy,
 * to a real sidecar on a real PostgreSQL (demo data, no Prometheus). Each page is scanned with axe (no serious or
 * critical violation) and photographed in the dark and the light theme (test-results/screenshots).
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync, readFileSync } from 'node:fs';
import { testIds } from '../src/components/testIds';
import { startHost } from '../host/server';
import { SIDECAR_TOKEN, startSidecar, type RunningSidecar } from './support/sidecar';

const SHOTS = 'test-results/screenshots';
const APP = '/a/reliability-studio-app';

let sidecar: RunningSidecar;
let host: Awaited<ReturnType<typeof startHost>>;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  sidecar = await startSidecar();
  host = await startHost({ env: { SIDECAR_URL: sidecar.url, STUDIO_ADMIN_TOKEN: SIDECAR_TOKEN } });
});

test.afterAll(async () => {
  await host?.close();
  await sidecar?.stop();
});

async function api(path: string, body?: unknown) {
  const res = await sidecar.api(path, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
  expect(res.status, `${path}: ${res.status}`).toBeLessThan(300);
  return res.json();
}

/** No serious or critical axe violation inside the plugin's part of the page (the host's chrome is not ours). */
async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).include('[data-testid="host-main"]').analyze();
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(bad).toEqual([]);
}

/** Icons load one request each: let them arrive so the picture shows every button (the live link may retry). */
const settle = (page: Page) => page.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => undefined);

/** A screenshot of the page as it is (dark), then of the same URL in the light theme once `ready` shows again. */
async function shootBothThemes(page: Page, name: string, ready: string) {
  await settle(page);
  await page.screenshot({ path: `${SHOTS}/${name}-dark.png`, fullPage: true });
  const url = new URL(page.url());
  url.searchParams.set('theme', 'light');
  await page.goto(url.toString());
  await expect(page.getByTestId(ready).first()).toBeVisible({ timeout: 20_000 });
  await settle(page);
  await page.screenshot({ path: `${SHOTS}/${name}-light.png`, fullPage: true });
}

test('finds an incident by its filters, and the URL brings the same view back', async ({ page }) => {
  const ids = testIds.incidents;
  const title = `Payments 502 burst ${Date.now()}`;
  await api('/api/incidents', { title, severity: 'critical', services: ['payments-api'] });
  await api('/api/incidents', { title: `${title} (minor echo)`, severity: 'low', services: ['payments-api'] });

  await page.goto(`${host.url}${APP}/incidents`);
  await expect(page.getByTestId(ids.row).first()).toBeVisible({ timeout: 20_000 });
  await page.getByTestId(ids.severityFilter).getByRole('checkbox', { name: 'Critical' }).check({ force: true });
  await page.getByTestId(ids.search).fill('502 burst');
  await expect(page).toHaveURL(/severity=critical/);
  await expect(page).toHaveURL(/q=502\+burst/);
  await expect(page.getByTestId(ids.row)).toHaveCount(1);
  await expect(page.getByTestId(ids.row)).toContainText(title);
  await page.getByTestId(ids.sort).getByRole('radio', { name: 'Severity' }).check({ force: true });
  await expect(page).toHaveURL(/sort=severity/);

  // A colleague opens the shared link: the same filters, the same single row.
  const shared = page.url();
  await page.goto(shared);
  await expect(page.getByTestId(ids.row)).toHaveCount(1, { timeout: 20_000 });
  await expect(page.getByTestId(ids.row)).toContainText(title);
  await expect(page.getByTestId(ids.severityFilter).getByRole('checkbox', { name: 'Critical' })).toBeChecked();
  await expect(page.getByTestId(ids.search)).toHaveValue('502 burst');
  await expect(page.getByTestId(ids.sort).getByRole('radio', { name: 'Severity' })).toBeChecked();

  await page.getByTestId(ids.clearFilters).click();
  await expect(page.getByTestId(ids.row).first()).toBeVisible();
  expect(await page.getByTestId(ids.row).count()).toBeGreaterThan(1);
  await expectAccessible(page);
  await shootBothThemes(page, 'incidents-filtered', ids.row);
});

test('adds a service and edits it, query overrides included', async ({ page }) => {
  const ids = testIds.services;
  const form = testIds.serviceForm;
  const name = `ledger-${Date.now() % 100000}`;
  await page.goto(`${host.url}${APP}/services`);
  await expect(page.getByTestId(ids.row).first()).toBeVisible({ timeout: 20_000 });
  await expectAccessible(page);
  await shootBothThemes(page, 'services', ids.row);

  await page.getByTestId(ids.add).click();
  await page.getByTestId(form.name).fill('Ledger!');
  await page.getByTestId(form.labels).fill(`service=${name}`);
  await page.getByTestId(form.submit).click();
  // The sidecar's own message, on the field.
  await expect(page.getByTestId(form.form)).toContainText('lowercase letters, digits, dot, dash or underscore');
  await page.getByTestId(form.name).fill(name);
  await page.getByTestId(form.team).fill('finance');
  await page.getByTestId(form.runbookUrl).fill('https://wiki.example.com/ledger');
  await expectAccessible(page);
  await page.screenshot({ path: `${SHOTS}/services-form-dark.png`, fullPage: true });
  await page.getByTestId(form.submit).click();
  await expect(page.getByTestId(ids.savedNotice)).toContainText(`Added ${name}`);
  const row = page.locator(`[data-service-name="${name}"]`);
  await expect(row).toContainText('finance');

  await row.getByTestId(ids.edit).click();
  const errorRatio = page.getByTestId(`${form.query} errorRatio`);
  // The effective query (the default, filled in) is the placeholder.
  await expect(errorRatio).toHaveAttribute('placeholder', new RegExp(`service="${name}"`));
  await errorRatio.fill('sum(rate(ledger_errors_total{ {{selector}} }[{{range}}]))');
  await page.getByTestId(form.team).fill('treasury');
  await page.getByTestId(form.submit).click();
  await expect(page.getByTestId(ids.savedNotice)).toContainText(`Saved ${name}`);
  await expect(page.locator(`[data-service-name="${name}"]`)).toContainText('treasury');
  const stored = await api(`/api/services/${name}`);
  expect(stored).toMatchObject({
    team: 'treasury',
    runbookUrl: 'https://wiki.example.com/ledger',
    queries: { errorRatio: 'sum(rate(ledger_errors_total{ {{selector}} }[{{range}}]))' },
  });
});

test('lists SLOs and says plainly that live figures are unavailable without Prometheus', async ({ page }) => {
  const ids = testIds.slos;
  await api('/api/slos', {
    service: 'checkout',
    name: 'checkout-availability',
    description: 'Orders that do not fail',
    sli: {
      type: 'ratio',
      good: 'sum(rate(http_requests_total{service="checkout",code!~"5.."}[{{window}}]))',
      total: 'sum(rate(http_requests_total{service="checkout"}[{{window}}]))',
    },
    objective: 99.9,
    window: { type: 'rolling', days: 30 },
  });
  await page.goto(`${host.url}${APP}/slos`);
  await expect(page.getByTestId(ids.card)).toHaveCount(1, { timeout: 20_000 });
  await expect(page.getByTestId(ids.card)).toContainText('99.9%');
  await expect(page.getByTestId(ids.card)).toContainText('30 days, rolling');
  await expect(page.getByTestId(ids.unavailable)).toContainText('no Prometheus is configured');
  await expectAccessible(page);
  await shootBothThemes(page, 'slos', ids.card);
});

test('shows incoming alerts and filters them in the URL', async ({ page }) => {
  const ids = testIds.alerts;
  // The real Alertmanager capture from the fixture set (README: "Fixtures").
  const fixtures = process.env.STUDIO_FIXTURES_DIR ?? '../shared/fixtures';
  const payload = JSON.parse(readFileSync(`${fixtures}/alerting/alertmanager-webhook-v4.json`, 'utf8'));
  const res = await sidecar.api('/api/integrations/alertmanager', { method: 'POST', body: JSON.stringify(payload) });
  expect(res.status).toBeLessThan(300);
  await page.goto(`${host.url}${APP}/alerts`);
  await expect(page.getByTestId(ids.row).first()).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId(ids.row).first()).toContainText('high_memory_load');
  await page.getByTestId(ids.statusFilter).getByRole('radio', { name: 'Firing' }).check({ force: true });
  await expect(page).toHaveURL(/status=firing/);
  await expect(page.getByTestId(ids.row).first()).toHaveAttribute('data-alert-status', 'firing');
  await page.getByTestId(ids.statusFilter).getByRole('radio', { name: 'Resolved' }).check({ force: true });
  await expect(page.getByTestId(ids.empty)).toBeVisible();
  await page.getByTestId(ids.statusFilter).getByRole('radio', { name: 'All' }).check({ force: true });
  await expect(page.getByTestId(ids.row).first()).toBeVisible();
  await expectAccessible(page);
  await shootBothThemes(page, 'alerts', ids.row);
});

test('saves the Explore datasource uids on the config page (typed in: the host has no datasources)', async ({
  page,
}) => {
  const ids = testIds.appConfig;
  await page.goto(`${host.url}/plugins/reliability-studio-app`);
  const prometheus = page.getByTestId(ids.datasource.prometheus);
  await expect(prometheus).toHaveAttribute('data-mode', 'text', { timeout: 20_000 });
  await prometheus.getByRole('textbox').fill('prom-main');
  await page.getByTestId(ids.datasource.tempo).getByRole('textbox').fill('tempo-main');
  await page.getByTestId(ids.save).click();
  await expect(page.getByTestId(ids.datasource.prometheus).getByRole('textbox')).toHaveValue('prom-main', {
    timeout: 20_000,
  });
  await expect(page.getByTestId(ids.datasource.tempo).getByRole('textbox')).toHaveValue('tempo-main');
  await expectAccessible(page);
  await shootBothThemes(page, 'config', ids.container);
});

test('the Active incidents panel shows the active incidents as a dashboard would', async ({ page }) => {
  const ids = testIds.panel;
  const options = encodeURIComponent(JSON.stringify({ minSeverity: 'high', maxRows: 5 }));
  await page.goto(`${host.url}/d-solo/host/active-incidents?title=Active%20incidents&options=${options}`);
  await expect(page.getByTestId(ids.row).first()).toBeVisible({ timeout: 20_000 });
  const rows = page.getByTestId(ids.row);
  // Demo data: the high incident on checkout, plus the critical ones declared above; never the medium or low ones.
  await expect(rows.filter({ hasText: 'Checkout error rate above 5%' })).toHaveCount(1);
  await expect(rows.filter({ hasText: 'Search latency p95' })).toHaveCount(0);
  const link = rows.first().getByRole('link');
  await expect(link).toHaveAttribute('href', /^\/a\/reliability-studio-app\/incidents\/[0-9a-f-]{36}$/);
  await expectAccessible(page);
  await shootBothThemes(page, 'panel-active-incidents', ids.row);
});
