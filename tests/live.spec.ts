/**
 * The live feed end to end: two browser pages on the incident list, the built plugin in the host (Grafana's stand-in),
 * a ticket through the plugin proxy, a WebSocket straight to the real sidecar process. A change made in one page
 * shows in the other within a second, without a reload; stopping the sidecar shows "live link down" in both, and
 * restarting it (same port, same data) clears it.
 */
import { expect, test, type Browser, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { testIds } from '../src/components/testIds';
import { startHost } from '../host/server';
import { freePort, SIDECAR_TOKEN, startSidecar, type RunningSidecar } from './support/sidecar';

const SHOTS = 'test-results/screenshots';
const APP = '/a/reliability-studio-app';
const ids = testIds.incidents;

let sidecar: RunningSidecar;
let host: Awaited<ReturnType<typeof startHost>>;
let hostPort: number;

test.describe.configure({ mode: 'serial' });

const sidecarEnv = () => ({ LIVE_ALLOWED_ORIGINS: `http://127.0.0.1:${hostPort}` });

test.beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  // The host's origin must be known before the sidecar starts: browser WebSockets are checked against it.
  hostPort = await freePort();
  sidecar = await startSidecar({ env: sidecarEnv() });
  host = await startHost({
    port: hostPort,
    env: { SIDECAR_URL: sidecar.url, SIDECAR_LIVE_URL: `${sidecar.url.replace('http', 'ws')}/live`, STUDIO_ADMIN_TOKEN: SIDECAR_TOKEN },
  });
});

test.afterAll(async () => {
  await host?.close();
  await sidecar?.stop();
});

async function openList(browser: Browser): Promise<Page> {
  // A context per page: two people, not two tabs sharing a cache.
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${host.url}${APP}/incidents`);
  await expect(page.getByTestId(ids.list)).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId(ids.liveStatus)).toHaveAttribute('data-live-state', 'live', { timeout: 10_000 });
  return page;
}

const rowOf = (page: Page, title: string) => page.getByTestId(ids.row).filter({ hasText: title });

test('a status change in one page shows in the other within a second, without a reload', async ({ browser }) => {
  const alice = await openList(browser);
  const bob = await openList(browser);
  let bobReloads = 0;
  bob.on('framenavigated', () => bobReloads++);
  const title = 'Checkout error rate above 5%';
  await expect(rowOf(bob, title)).toHaveAttribute('data-incident-status', 'investigating');

  await rowOf(alice, title).getByTestId(ids.rowStatusSelect).click();
  await alice.getByRole('menuitem', { name: /Identified/ }).click();
  await expect(rowOf(alice, title)).toHaveAttribute('data-incident-status', 'identified');
  await expect(rowOf(bob, title)).toHaveAttribute('data-incident-status', 'identified', { timeout: 1000 });

  // A new incident declared elsewhere (a bot, through the API) appears in both lists.
  const res = await sidecar.api('/api/incidents', {
    method: 'POST',
    body: JSON.stringify({ title: 'Payments API 503s', severity: 'critical' }),
  });
  expect(res.status).toBe(201);
  await expect(rowOf(alice, 'Payments API 503s')).toBeVisible({ timeout: 1000 });
  await expect(rowOf(bob, 'Payments API 503s')).toBeVisible({ timeout: 1000 });

  // Resolving it in Bob's page takes it off Alice's "Active" list.
  await rowOf(bob, 'Payments API 503s').getByTestId(ids.rowStatusSelect).click();
  await bob.getByRole('menuitem', { name: /Resolved/ }).click();
  await expect(rowOf(alice, 'Payments API 503s')).toHaveCount(0, { timeout: 1000 });
  expect(bobReloads).toBe(0);
  await bob.screenshot({ path: `${SHOTS}/live-two-pages.png`, fullPage: true });
  await Promise.all([alice.context().close(), bob.context().close()]);
});

test('shows the live link down while the sidecar is stopped, and clears it when it is back', async ({ browser }) => {
  const page = await openList(browser);
  await sidecar.stop({ keepData: true });
  await expect(page.getByTestId(ids.liveDown)).toBeVisible({ timeout: 10_000 });
  await expect(page.getByTestId(ids.liveStatus)).toHaveAttribute('data-live-state', 'down');
  await page.screenshot({ path: `${SHOTS}/live-down.png`, fullPage: true });

  sidecar = await startSidecar({ env: sidecarEnv(), port: sidecar.port, dataDir: sidecar.dataDir, embeddedPgPort: sidecar.embeddedPgPort });
  // Reconnect attempts back off to at most 10 s apart.
  await expect(page.getByTestId(ids.liveStatus)).toHaveAttribute('data-live-state', 'live', { timeout: 20_000 });
  await expect(page.getByTestId(ids.liveDown)).toHaveCount(0);
  await expect(page.getByTestId(ids.liveRecovered)).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/live-recovered.png`, fullPage: true });

  // And it is live again, not just reconnected.
  const res = await sidecar.api('/api/incidents', {
    method: 'POST',
    body: JSON.stringify({ title: 'Login latency after restart', severity: 'high' }),
  });
  expect(res.status).toBe(201);
  await expect(rowOf(page, 'Login latency after restart')).toBeVisible({ timeout: 1000 });
  await page.context().close();
});
