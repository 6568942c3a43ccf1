/**
 * The walking skeleton end to end: the built plugin in the host page (Grafana's stand-in), through the plugin
 * proxy, to a real sidecar process on a real PostgreSQL. Screenshots of every page go to test-results/screenshots.
 */
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
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
  // The repository's own provisioning (provisioning/plugins/apps.yaml) wires the app to the sidecar.
  host = await startHost({ env: { SIDECAR_URL: sidecar.url, STUDIO_ADMIN_TOKEN: SIDECAR_TOKEN } });
});

test.afterAll(async () => {
  await host?.close();
  await sidecar?.stop();
});

const rowOf = (page: Page, title: string) => page.getByTestId(testIds.incidents.row).filter({ hasText: title });

test('lists the incidents the sidecar holds', async ({ page }) => {
  await page.goto(`${host.url}${APP}/incidents`);
  const list = page.getByTestId(testIds.incidents.list);
  await expect(list).toBeVisible({ timeout: 20_000 });
  // Demo data: two active incidents; the resolved one is hidden by the default "Active" filter.
  await expect(rowOf(page, 'Checkout error rate above 5%')).toHaveAttribute('data-incident-status', 'investigating');
  await expect(rowOf(page, 'Search latency p95 over 800 ms')).toBeVisible();
  await expect(rowOf(page, 'Notification e-mails delayed')).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/incidents-dark.png`, fullPage: true });

  await page.getByTestId(testIds.incidents.statusFilter).getByRole('radio', { name: 'Resolved' }).check({ force: true });
  await expect(page).toHaveURL(/status=resolved/);
  await expect(rowOf(page, 'Notification e-mails delayed')).toBeVisible();
  await expect(page.getByTestId(testIds.incidents.row)).toHaveCount(1);

  await page.goto(`${host.url}${APP}/incidents?theme=light`);
  await expect(rowOf(page, 'Checkout error rate above 5%')).toBeVisible({ timeout: 20_000 });
  await page.screenshot({ path: `${SHOTS}/incidents-light.png`, fullPage: true });
});

test('declares an incident in the form and sees it in the list and in the database', async ({ page }) => {
  const title = `Payments timeouts ${Date.now()}`;
  await page.goto(`${host.url}${APP}/incidents`);
  await page.getByTestId(testIds.incidents.declareButton).click();
  const form = page.getByTestId(testIds.declareForm.form);
  await expect(form).toBeVisible();

  // An empty title is refused with a message on the field, and nothing is sent.
  await page.getByTestId(testIds.declareForm.submit).click();
  await expect(form.getByText(/title/i).first()).toBeVisible();

  await page.getByTestId(testIds.declareForm.title).fill(title);
  await page.getByTestId(testIds.declareForm.severity).getByRole('radio', { name: 'Critical' }).check({ force: true });
  await page.getByTestId(testIds.declareForm.description).fill('p99 of POST /charge above 10 s');
  const services = page.getByTestId(testIds.declareForm.services);
  await services.click();
  await services.fill('payments');
  await page.getByRole('option', { name: 'payments-api' }).click();
  await page.getByTestId(testIds.declareForm.commander).fill('robin');
  await page.screenshot({ path: `${SHOTS}/declare-form.png`, fullPage: true });
  await page.getByTestId(testIds.declareForm.submit).click();

  const row = rowOf(page, title);
  await expect(row).toBeVisible();
  await expect(row).toHaveAttribute('data-incident-status', 'open');
  await expect(row).toContainText('Critical');
  await expect(row).toContainText('payments-api');
  await page.screenshot({ path: `${SHOTS}/incidents-after-declare.png`, fullPage: true });

  // Stored by the sidecar, attributed to the Grafana user the proxy named.
  const id = await row.getAttribute('data-incident-id');
  const stored = await (await sidecar.api(`/api/incidents/${id}`)).json();
  expect(stored).toMatchObject({
    title,
    severity: 'critical',
    status: 'open',
    commander: 'robin',
    createdBy: 'admin',
    services: [expect.objectContaining({ name: 'payments-api' })],
  });
});

test('changes an incident status from the list, recorded on its timeline', async ({ page }) => {
  const created = await (
    await sidecar.api('/api/incidents', { method: 'POST', body: JSON.stringify({ title: 'Disk filling on db-2', severity: 'high' }) })
  ).json();
  await page.goto(`${host.url}${APP}/incidents`);
  const row = rowOf(page, 'Disk filling on db-2');
  await expect(row).toHaveAttribute('data-incident-status', 'open', { timeout: 20_000 });

  await row.getByTestId(testIds.incidents.rowStatusSelect).click();
  // Only moves the sidecar allows are offered: from open, never "open" again.
  await expect(page.getByRole('menuitem', { name: /^Open$/ })).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/status-menu.png` });
  await page.getByRole('menuitem', { name: /Investigating/ }).click();
  await expect(row).toHaveAttribute('data-incident-status', 'investigating');

  const timeline = await (await sidecar.api(`/api/incidents/${created.id}/timeline`)).json();
  expect(timeline.items.map((e: { type: string }) => e.type)).toEqual(['created', 'status_changed']);
  expect(timeline.items[1]).toMatchObject({ data: { from: 'open', to: 'investigating' }, author: 'admin', source: 'user' });
});

test('shows when someone else changed the incident first', async ({ page }) => {
  const created = await (
    await sidecar.api('/api/incidents', { method: 'POST', body: JSON.stringify({ title: 'Flaky DNS', severity: 'low' }) })
  ).json();
  await page.goto(`${host.url}${APP}/incidents`);
  const row = rowOf(page, 'Flaky DNS');
  await expect(row).toBeVisible({ timeout: 20_000 });
  // Another engineer moves it while this page still shows version 1.
  await sidecar.api(`/api/incidents/${created.id}`, { method: 'PATCH', body: JSON.stringify({ version: 1, severity: 'medium' }) });

  await row.getByTestId(testIds.incidents.rowStatusSelect).click();
  await page.getByRole('menuitem', { name: /Resolved/ }).click();
  const error = page.getByTestId(testIds.incidents.actionError);
  await expect(error).toContainText(/changed by someone else/i);
  await expect(row).toContainText('Medium');
  await expect(row).toHaveAttribute('data-incident-status', 'open');
  await page.screenshot({ path: `${SHOTS}/version-conflict.png`, fullPage: true });
});

test('the config page tests the connection through the proxy', async ({ page }) => {
  await page.goto(`${host.url}/plugins/reliability-studio-app`);
  await expect(page.getByTestId(testIds.appConfig.sidecarUrl)).toHaveValue(sidecar.url, { timeout: 20_000 });
  await page.getByTestId(testIds.appConfig.testConnection).click();
  await expect(page.getByTestId(testIds.appConfig.testResult)).toContainText(/connected|ready/i);
  await page.screenshot({ path: `${SHOTS}/config.png`, fullPage: true });
});

test('shows a clear error when the sidecar is stopped', async ({ page }) => {
  await sidecar.stop();
  await page.goto(`${host.url}${APP}/incidents`);
  const error = page.getByTestId(testIds.incidents.pageError);
  await expect(error).toBeVisible({ timeout: 20_000 });
  await expect(error).toContainText(/cannot reach/i);
  await expect(page.getByTestId(testIds.incidents.list)).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/incidents-sidecar-down.png`, fullPage: true });

  await page.goto(`${host.url}/plugins/reliability-studio-app`);
  await page.getByTestId(testIds.appConfig.testConnection).click();
  await expect(page.getByTestId(testIds.appConfig.testResult)).toContainText(/cannot reach|unreachable/i);
  await page.screenshot({ path: `${SHOTS}/config-sidecar-down.png`, fullPage: true });
});
