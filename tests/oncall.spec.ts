/**
 * On call end to end: the On call page shows who is on call now and next and a taken pager changes it; an escalation
 * policy built on its page and attached to a service previews who it would page; a paged incident's war room shows
 * the page, delivered to a receiver this test runs, and "Escalate now" pages the next step. People, schedules and a
 * webhook channel are set up through the API, as an admin or an import would.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import http from 'node:http';
import { testIds } from '../src/components/testIds';
import { startHost } from '../host/server';
import { freePort, startSidecar, SIDECAR_TOKEN, type RunningSidecar } from './support/sidecar';

const SHOTS = '/tmp/oncall-shots';
const APP = '/a/reliability-studio-app';
const ids = testIds;

let sidecar: RunningSidecar;
let host: Awaited<ReturnType<typeof startHost>>;
let receiver: http.Server;
const received: Array<{ path: string; body: any }> = [];
const seeded: { scheduleId: string; sam: string; policyName: string } = { scheduleId: '', sam: '', policyName: '' };

test.describe.configure({ mode: 'serial' });

/** POST to the sidecar as admin, expecting 201; answers the body. */
async function create(path: string, body: unknown): Promise<any> {
  const res = await sidecar.api(path, { method: 'POST', body: JSON.stringify(body) });
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json();
}

test.beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  receiver = http.createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(raw || '{}') });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;

  const hostPort = await freePort();
  const sidecarPort = await freePort();
  sidecar = await startSidecar({
    port: sidecarPort,
    env: {
      LIVE_ALLOWED_ORIGINS: `http://127.0.0.1:${hostPort}`,
      STUDIO_PUBLIC_URL: `http://127.0.0.1:${sidecarPort}`,
      NOTIFY_WORKER: 'true',
      NOTIFY_POLL_MS: '500',
      ESCALATION_POLL_MS: '500',
      CORRELATION_REFRESH_MS: '0',
    },
  });
  host = await startHost({
    port: hostPort,
    env: {
      SIDECAR_URL: sidecar.url,
      SIDECAR_LIVE_URL: `${sidecar.url.replace('http', 'ws')}/live`,
      STUDIO_ADMIN_TOKEN: SIDECAR_TOKEN,
    },
  });

  const secrets = (path: string) => ({ url: `${receiverUrl}${path}`, signingSecret: 'e2e-signing-secret-0123456789' });
  const pager = await create('/api/channels', { kind: 'webhook', name: 'pager-hook', secrets: secrets('/pager') });
  await create('/api/channels', { kind: 'webhook', name: 'payments-room', secrets: secrets('/room') });
  const person = (login: string, name: string) =>
    create('/api/people', {
      login,
      name,
      email: `${login}@example.com`,
      timeZone: 'UTC',
      contactMethods: [{ kind: 'webhook', target: `${login}-phone`, channelId: pager.id }],
    });
  // The host signs everyone in as "admin": that login is the person who takes the pager.
  await person('admin', 'Robin Admin');
  const alex = await person('alex', 'Alex Doe');
  const sam = await person('sam', 'Sam Roe');
  // Weekly hand-offs at midnight UTC, started yesterday: Alex has this week, Sam the next.
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const primary = await create('/api/schedules', {
    name: 'Primary',
    timeZone: 'UTC',
    layers: [
      {
        name: 'Weekly',
        participants: [alex.id, sam.id],
        shiftLength: { unit: 'weeks', count: 1 },
        handOffTime: '00:00',
        startDate: yesterday,
      },
    ],
  });
  // Office hours only: every night is a gap, warned about and drawn red.
  await create('/api/schedules', {
    name: 'Office hours',
    timeZone: 'UTC',
    layers: [
      {
        name: 'Days',
        participants: [sam.id, alex.id],
        shiftLength: { unit: 'days', count: 1 },
        handOffTime: '09:00',
        startDate: yesterday,
        restrictions: [{ days: [1, 2, 3, 4, 5, 6, 7], start: '09:00', end: '17:00' }],
      },
    ],
  });
  Object.assign(seeded, { scheduleId: primary.id, sam: sam.id });
});

test.afterAll(async () => {
  await host?.close();
  await sidecar?.stop();
  await new Promise((ok) => receiver?.close(ok));
});

/** No serious or critical axe violation inside the plugin's part of the page. */
async function expectAccessible(page: Page, what: string) {
  const results = await new AxeBuilder({ page }).include('[data-testid="host-main"]').analyze();
  const bad = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${what}: ${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(bad).toEqual([]);
}

const settle = (page: Page) => page.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => undefined);
const card = (page: Page, name: string) =>
  page.getByTestId(ids.onCall.schedule).and(page.locator(`[data-schedule-name="${name}"]`));

test('On call shows now and next per schedule with the gaps, and a taken pager changes who is on call', async ({
  page,
}) => {
  await page.goto(`${host.url}${APP}/on-call`);
  const primary = card(page, 'Primary');
  await expect(primary.getByTestId(ids.onCall.now)).toContainText('Alex Doe', { timeout: 20_000 });
  await expect(primary.getByTestId(ids.onCall.next)).toContainText('Sam Roe');
  await expect(page.getByTestId(ids.onCall.gapWarnings)).toContainText('Office hours');
  const combined = card(page, 'Office hours').locator('[data-row="combined"]');
  await expect(combined.locator('[data-gap="true"]').first()).toBeVisible();
  await expect(primary.getByTestId(ids.onCall.timelineRow)).toHaveCount(3);
  await settle(page);
  await page.screenshot({ path: `${SHOTS}/oncall-before.png`, fullPage: true });

  await primary.getByTestId(ids.onCall.takePager).click();
  await page.getByRole('menuitem', { name: 'For 4 hours' }).click();
  await expect(page.getByTestId(ids.onCall.actionDone)).toContainText('You have the pager of Primary until');
  await expect(primary.getByTestId(ids.onCall.now)).toContainText('Robin Admin');
  await expect(primary.getByTestId(ids.onCall.now)).toContainText('override');
  await expect(primary.getByTestId(ids.onCall.next)).toContainText('Alex Doe');
  await expect(primary.locator('[data-row="overrides"]').getByTestId(ids.onCall.bar)).toHaveCount(1);
  await expectAccessible(page, 'on call');
  await settle(page);
  await page.screenshot({ path: `${SHOTS}/oncall-after-take.png`, fullPage: true });

  // "Cover for…" on the schedule with nobody on call now: prefilled with me until the gap ends, so one click saves.
  const office = card(page, 'Office hours');
  await expect(office.getByTestId(ids.onCall.now)).toContainText('Nobody');
  await office.getByTestId(ids.onCall.coverFor).click();
  await expect(page.getByTestId(ids.coverForm.form)).toBeVisible();
  await settle(page);
  await page.screenshot({ path: `${SHOTS}/oncall-cover-form.png`, fullPage: true });
  await page.getByTestId(ids.coverForm.submit).click();
  await expect(page.getByTestId(ids.onCall.actionDone)).toContainText('Robin Admin covers Office hours until');
  await expect(office.getByTestId(ids.onCall.now)).toContainText('Robin Admin');
});

test('On call in the light theme, read only for a Viewer', async ({ page }) => {
  await page.goto(`${host.url}${APP}/on-call?theme=light&role=Viewer`);
  await expect(card(page, 'Primary').getByTestId(ids.onCall.now)).toContainText('Robin Admin', { timeout: 20_000 });
  await expect(page.getByTestId(ids.onCall.readOnly)).toBeVisible();
  await expect(page.getByTestId(ids.onCall.takePager)).toHaveCount(0);
  await expectAccessible(page, 'on call, light');
  await settle(page);
  await page.screenshot({ path: `${SHOTS}/oncall-light-viewer.png`, fullPage: true });
  // Back to the Admin role for the tests after this one (the host keeps the role in a cookie).
  await page.goto(`${host.url}${APP}/on-call?role=Admin`);
});

test('an escalation policy built on its page, attached to a service, previews who it would page', async ({ page }) => {
  await page.goto(`${host.url}${APP}/escalation-policies`);
  await expect(page.getByTestId(ids.escalationPolicies.empty)).toBeVisible({ timeout: 20_000 });
  await page.getByTestId(ids.escalationPolicies.add).click();
  const form = ids.policyForm;
  await page.getByTestId(form.name).fill('Checkout paging');

  const pick = async (step: number, kind: string, option: string) => {
    const row = page.getByTestId(form.step).nth(step);
    await row.getByTestId(form.stepKind).getByRole('radio', { name: kind }).check({ force: true });
    await row.getByTestId(form.stepTarget).click();
    await page.getByRole('option', { name: option }).click();
  };
  await pick(0, 'On-call of', 'Primary');
  await page.getByTestId(form.addStep).click();
  await pick(1, 'Person', 'Sam Roe');
  await page.getByTestId(form.stepWait).nth(1).fill('10');
  await page.getByTestId(form.addStep).click();
  await pick(2, 'Channel', 'payments-room');
  await expect(page.getByTestId(form.preview)).toHaveText(
    'If paged now: Robin Admin at 0 min, Sam Roe at 5 min, payments-room at 15 min.'
  );
  await settle(page);
  await page.screenshot({ path: `${SHOTS}/policy-form.png`, fullPage: true });
  await page.getByTestId(form.submit).click();

  const row = page.getByTestId(ids.escalationPolicies.row);
  await expect(row).toHaveAttribute('data-policy-name', 'Checkout paging');
  const checkout = page
    .getByTestId(ids.escalationPolicies.serviceRow)
    .and(page.locator('[data-service-name="checkout"]'));
  await checkout.getByTestId(ids.escalationPolicies.servicePolicy).click();
  await page.getByRole('option', { name: 'Checkout paging' }).click();
  await expect(checkout).not.toHaveAttribute('data-policy-id', '');
  await expect(row.getByTestId(ids.escalationPolicies.preview)).toHaveText(
    'If checkout paged now: Robin Admin at 0 min, Sam Roe at 5 min, payments-room at 15 min.'
  );
  await expectAccessible(page, 'escalation policies');
  await settle(page);
  await page.screenshot({ path: `${SHOTS}/policies.png`, fullPage: true });
  seeded.policyName = 'Checkout paging';
});

test('the war room shows who was paged and that it arrived, and "Escalate now" pages the next step', async ({
  page,
}) => {
  const incident = await create('/api/incidents', {
    title: `Checkout failing ${Date.now()}`,
    severity: 'critical',
    services: ['checkout'],
    page: true,
  });
  await page.goto(`${host.url}${APP}/incidents/${incident.id}`);
  const panel = page.getByTestId(ids.paging.panel);
  await expect(panel).toHaveAttribute('data-state', 'active', { timeout: 20_000 });
  const first = panel.getByTestId(ids.paging.step).first();
  await expect(first).toContainText('Robin Admin (on call in Primary)');
  // Delivered by the worker to the receiver; the panel follows without a reload.
  await expect(first.getByTestId(ids.paging.page)).toHaveAttribute('data-state', 'delivered', { timeout: 20_000 });
  await expect(first.getByTestId(ids.paging.page)).toContainText('admin-phone');
  expect(received.some((r) => r.path === '/pager')).toBe(true);
  await expect(panel.getByTestId(ids.paging.nextStep)).toContainText('Step 2 of 3 fires at');
  await settle(page);
  await page.screenshot({ path: `${SHOTS}/warroom-paged.png`, fullPage: true });

  await panel.getByTestId(ids.paging.escalateNow).click();
  const second = panel.getByTestId(ids.paging.step).nth(1);
  await expect(second).toContainText('Sam Roe');
  await expect(second).toHaveAttribute('data-trigger', 'escalate_now');
  await expect(second.getByTestId(ids.paging.page)).toHaveAttribute('data-state', 'delivered', { timeout: 20_000 });

  await panel.getByTestId(ids.warRoom.acknowledge).click();
  await expect(panel).toHaveAttribute('data-state', 'acknowledged', { timeout: 10_000 });
  await expect(page.getByTestId(ids.warRoom.acknowledged)).toContainText('Acknowledged by');
  await expectAccessible(page, 'war room paging');
  await settle(page);
  await page.screenshot({ path: `${SHOTS}/warroom-escalated.png`, fullPage: true });

  // The incidents list: active incidents nobody acknowledged come before this one, which someone did.
  await page.goto(`${host.url}${APP}/incidents`);
  const rows = page.getByTestId(ids.incidents.row);
  const mine = rows.and(page.locator(`[data-incident-id="${incident.id}"]`));
  await expect(mine).toHaveAttribute('data-acknowledged', 'true', { timeout: 20_000 });
  await expect(mine.getByTestId(ids.incidents.unacknowledged)).toHaveCount(0);
  const acknowledged = await rows.evaluateAll((all) => all.map((r) => r.getAttribute('data-acknowledged')));
  expect(acknowledged).toContain('false');
  expect(acknowledged.indexOf('true')).toBeGreaterThan(acknowledged.lastIndexOf('false'));
  await settle(page);
  await page.screenshot({ path: `${SHOTS}/incidents-unacknowledged-first.png`, fullPage: true });
});
