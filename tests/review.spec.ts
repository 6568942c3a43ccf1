/**
 * The review end to end: the checkout incident's postmortem draft (generated from the demo incident), edited and
 * saved, a concurrent save reported as a conflict, and the Markdown export downloaded through the plugin proxy.
 * Accessibility scan and screenshots in both themes.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync, readFileSync } from 'node:fs';
import { testIds } from '../src/components/testIds';
import { startHost } from '../host/server';
import { SIDECAR_TOKEN, startSidecar, type RunningSidecar } from './support/sidecar';

const SHOTS = 'test-results/screenshots';
const APP = '/a/reliability-studio-app';
const ids = testIds.review;

let sidecar: RunningSidecar;
let host: Awaited<ReturnType<typeof startHost>>;
let incidentId: string;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  sidecar = await startSidecar({ env: { CORRELATION_REFRESH_MS: '0' } });
  host = await startHost({ env: { SIDECAR_URL: sidecar.url, STUDIO_ADMIN_TOKEN: SIDECAR_TOKEN } });
  const body = (await (await sidecar.api('/api/incidents?q=Checkout')).json()) as { items: Array<{ id: string }> };
  incidentId = body.items[0]!.id;
});

test.afterAll(async () => {
  await host?.close();
  await sidecar?.stop();
});

async function expectNoSeriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
}

test('edits and saves the review, then downloads it as Markdown with the edits in it', async ({ page }) => {
  await page.goto(`${host.url}${APP}/incidents/${incidentId}`);
  await page.getByTestId(testIds.warRoom.reviewLink).click();
  await expect(page).toHaveURL(new RegExp(`/incidents/${incidentId}/review$`));
  await expect(page.getByTestId(ids.summary)).toBeVisible({ timeout: 20_000 });
  // Generated from the incident: its timeline and the suggested hypothesis.
  await expect(page.getByTestId(ids.timeline)).toContainText('declared');
  await expect(page.getByTestId(ids.hypotheses)).toContainText('checkout v2.14.0');

  await page.getByTestId(ids.summary).fill('A checkout deploy broke payment calls for 40 minutes.');
  await page.getByTestId(ids.rootCause).fill('The new payments-api client had a 5 s timeout and no retry.');
  await page.getByTestId(ids.addFollowUp).click();
  await page.getByRole('textbox', { name: 'Follow-up 1', exact: true }).fill('Add a canary stage to checkout deploys');
  await page.getByTestId(ids.save).click();
  await expect(page.getByTestId(ids.saved)).toBeVisible();

  // Stored: a reload shows the saved text.
  await page.reload();
  await expect(page.getByTestId(ids.summary)).toHaveValue('A checkout deploy broke payment calls for 40 minutes.', {
    timeout: 20_000,
  });
  await expectNoSeriousViolations(page);
  await page.screenshot({ path: `${SHOTS}/review-dark.png`, fullPage: true });

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(ids.download).click()]);
  expect(download.suggestedFilename()).toMatch(/^INC-\d+-postmortem\.md$/);
  const markdown = readFileSync((await download.path())!, 'utf8');
  expect(markdown).toContain('A checkout deploy broke payment calls for 40 minutes.');
  expect(markdown).toContain('Add a canary stage to checkout deploys');
  expect(markdown).toContain('Checkout error rate above 5%');

  await page.goto(`${host.url}${APP}/incidents/${incidentId}/review?theme=light`);
  await expect(page.getByTestId(ids.summary)).toBeVisible({ timeout: 20_000 });
  await expectNoSeriousViolations(page);
  await page.screenshot({ path: `${SHOTS}/review-light.png`, fullPage: true });
});

test('a save made elsewhere meanwhile is reported as a conflict, and mine can still win', async ({ page }) => {
  await page.goto(`${host.url}${APP}/incidents/${incidentId}/review`);
  await expect(page.getByTestId(ids.summary)).toBeVisible({ timeout: 20_000 });
  const stored = (await (await sidecar.api(`/api/incidents/${incidentId}/postmortem`)).json()) as {
    version: number;
    edits: Record<string, unknown>;
  };
  const res = await sidecar.api(`/api/incidents/${incidentId}/postmortem`, {
    method: 'PUT',
    body: JSON.stringify({ ...stored.edits, lessons: 'Written by Sam meanwhile', version: stored.version }),
  });
  expect(res.status).toBe(200);

  await page.getByTestId(ids.lessons).fill('Canary deploys would have caught it');
  await page.getByTestId(ids.save).click();
  const conflict = page.getByTestId(ids.conflict);
  await expect(conflict).toContainText('changed by someone else');
  await expect(conflict).toContainText('Written by Sam meanwhile');
  await conflict.getByRole('button', { name: 'Save mine over theirs' }).click();
  await expect(page.getByTestId(ids.saved)).toBeVisible();
  const after = (await (await sidecar.api(`/api/incidents/${incidentId}/postmortem`)).json()) as {
    edits: { lessons: string };
  };
  expect(after.edits.lessons).toBe('Canary deploys would have caught it');
});
