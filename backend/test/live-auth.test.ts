/**
 * Who may open /live: single-use tickets from POST /api/live/tickets (reuse and expiry refused on upgrade), API
 * tokens in the Authorization header (never in the URL), Origin checked for browsers, and the refusal envelope.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectLive, liveUrl, tryConnect } from './support/liveClient.js';
import { ADMIN_TOKEN, expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';

const GRAFANA = 'https://grafana.example.com';

let sidecar: TestSidecar;

beforeAll(async () => {
  sidecar = await startSidecar({ live: true, env: { LIVE_ALLOWED_ORIGINS: GRAFANA } });
});
afterAll(async () => sidecar?.close());

async function ticket(token: string = ADMIN_TOKEN, headers: Record<string, string> = {}): Promise<string> {
  const body = await expectStatus<{ ticket: string; expiresAt: string }>(
    await sidecar.call('/api/live/tickets', { method: 'POST', token, headers }),
    201
  );
  expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(20_000);
  expect(Date.parse(body.expiresAt) - Date.now()).toBeLessThanOrEqual(31_000);
  return body.ticket;
}

async function apiToken(name: string, role: string): Promise<string> {
  const body = await expectStatus<{ token: string }>(await sidecar.call('/api/tokens', { method: 'POST', json: { name, role } }), 201);
  return body.token;
}

describe('POST /api/live/tickets', () => {
  it('issues a ticket to any authenticated caller, viewers included, and never caches it', async () => {
    const viewer = await apiToken('wallboard', 'viewer');
    const res = await sidecar.call('/api/live/tickets', { method: 'POST', token: viewer });
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await expectStatus<{ ticket: string }>(res, 201);
    expect(body.ticket).toMatch(/^lt_[A-Za-z0-9_-]{43}$/);
    // Only the hash is stored.
    const [row] = await sidecar.sql`select count(*)::int as n from live_tickets where ticket_hash::text like ${'%' + body.ticket + '%'}`;
    expect(row!.n).toBe(0);
  });

  it('refuses callers without a token (401) and integration tokens (403)', async () => {
    await expectStatus(await sidecar.call('/api/live/tickets', { method: 'POST', token: null }), 401);
    const integration = await apiToken('alertmanager', 'integration');
    await expectStatus(await sidecar.call('/api/live/tickets', { method: 'POST', token: integration }), 403);
  });
});

describe('upgrade to /live', () => {
  it('accepts a ticket once, and the connection speaks for the person who asked for it', async () => {
    const t = await ticket(ADMIN_TOKEN, { 'x-grafana-user': 'robin' });
    const client = await connectLive(liveUrl(sidecar.url, { ticket: t }), { origin: GRAFANA });
    expect((await client.waitFor((m) => m.type === 'welcome')).heartbeatMs).toBe(25_000);
    await client.close();

    const again = await tryConnect(liveUrl(sidecar.url, { ticket: t }), { origin: GRAFANA });
    expect(again.status).toBe(401);
    expect(JSON.parse(again.body).error).toMatchObject({ code: 'AUTH_REQUIRED', message: expect.stringMatching(/already used or expired/) });
  });

  it('refuses an expired ticket and an unknown one', async () => {
    const t = await ticket();
    await sidecar.sql`update live_tickets set expires_at = now() - interval '1 second' where used_at is null`;
    expect((await tryConnect(liveUrl(sidecar.url, { ticket: t }))).status).toBe(401);
    expect((await tryConnect(liveUrl(sidecar.url, { ticket: 'lt_made-up' }))).status).toBe(401);
  });

  it('lets two upgrades race with one ticket and admits exactly one', async () => {
    const t = await ticket();
    const results = await Promise.all([1, 2, 3, 4].map(() => tryConnect(liveUrl(sidecar.url, { ticket: t }))));
    expect(results.map((r) => r.status).sort()).toEqual([401, 401, 401, 'open']);
  });

  it('takes API tokens in the Authorization header only, and never an integration token', async () => {
    const viewer = await apiToken('bot', 'viewer');
    const client = await connectLive(liveUrl(sidecar.url), { headers: { authorization: `Bearer ${viewer}` } });
    await client.waitFor((m) => m.type === 'welcome');
    await client.close();

    const inUrl = await tryConnect(liveUrl(sidecar.url, { token: viewer }));
    expect(inUrl.status).toBe(401);
    expect(JSON.parse(inUrl.body).error.message).toMatch(/Authorization header/);
    expect((await tryConnect(liveUrl(sidecar.url))).status).toBe(401);
    expect((await tryConnect(liveUrl(sidecar.url), { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    const integration = await apiToken('grafana-alerts', 'integration');
    expect((await tryConnect(liveUrl(sidecar.url), { headers: { authorization: `Bearer ${integration}` } })).status).toBe(403);
  });

  it('refuses browser connections from origins not in LIVE_ALLOWED_ORIGINS', async () => {
    const refused = await tryConnect(liveUrl(sidecar.url, { ticket: await ticket() }), { origin: 'https://evil.example' });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).error).toMatchObject({ code: 'FORBIDDEN', request_id: expect.any(String) });
  });

  it('counts refusals by reason in /metrics', async () => {
    const text = await (await sidecar.call('/metrics')).text();
    expect(text).toMatch(/live_upgrade_refusals_total\{reason="ticket"\} [1-9]/);
    expect(text).toMatch(/live_upgrade_refusals_total\{reason="origin"\} [1-9]/);
  });

  // Last: draining does not end.
  it('answers 404 on other paths and 503 with Retry-After while draining', async () => {
    expect((await tryConnect(`${sidecar.url.replace('http', 'ws')}/elsewhere`)).status).toBe(404);
    sidecar.lifecycle.startDraining();
    const refused = await tryConnect(liveUrl(sidecar.url), { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body).error.code).toBe('OVERLOADED');
  });
});
