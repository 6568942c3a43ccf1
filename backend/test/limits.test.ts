import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createApiToken } from '../src/store/tokens.js';
import { ADMIN_TOKEN, expectStatus, startSidecar, type TestSidecar } from './support/sidecar.js';
import { holdRequest } from './support/slowRequest.js';

const asUser = (user: string) => ({ headers: { 'x-grafana-user': user } });

describe('rate limit per caller', () => {
  let sidecar: TestSidecar;
  let bot: string;
  beforeAll(async () => {
    sidecar = await startSidecar({ env: { RATE_LIMIT_PER_MINUTE: '5', RATE_LIMIT_INTAKE_PER_MINUTE: '50' } });
    bot = (await createApiToken(sidecar.sql, 'busy-bot', 'viewer')).token;
  });
  afterAll(() => sidecar.close());

  it('counts down in RateLimit headers, then answers 429 RATE_LIMITED with Retry-After', async () => {
    for (let n = 1; n <= 5; n++) {
      const res = await sidecar.call('/api/incidents', asUser('alice'));
      await expectStatus(res, 200);
      expect(res.headers.get('ratelimit-limit')).toBe('5');
      expect(res.headers.get('ratelimit-remaining')).toBe(String(5 - n));
      expect(res.headers.get('ratelimit-policy')).toBe('5;w=60');
    }
    const res = await sidecar.call('/api/incidents', asUser('alice'));
    const body = await expectStatus(res, 429);
    expect(body.error).toMatchObject({ code: 'RATE_LIMITED', request_id: expect.any(String), details: { limit: 5 } });
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(res.headers.get('ratelimit-remaining')).toBe('0');
  });

  it('gives every Grafana user and every API token a budget of their own', async () => {
    await expectStatus(await sidecar.call('/api/incidents', asUser('bob')), 200);
    await expectStatus(await sidecar.call('/api/incidents', { token: bot }), 200);
    // The same token cannot borrow another name's budget: X-Grafana-User counts only with the proxy token.
    for (let n = 0; n < 4; n++) await sidecar.call('/api/incidents', { token: bot, ...asUser(`u${n}`) });
    expect((await sidecar.call('/api/incidents', { token: bot, ...asUser('fresh') })).status).toBe(429);
  });

  it('keeps a separate, larger budget for alert intake', async () => {
    // alice has used up her API budget; intake still lets her through (to its own answer: an empty payload is invalid).
    const res = await sidecar.call('/api/integrations/alertmanager', { method: 'POST', json: {}, ...asUser('alice') });
    expect((await res.json()).error.code).not.toBe('RATE_LIMITED');
    expect(res.headers.get('ratelimit-limit')).toBe('50');
    expect(res.headers.get('ratelimit-remaining')).toBe('49');
  });

  it('never limits health probes', async () => {
    for (let n = 0; n < 10; n++) await expectStatus(await sidecar.call('/health', { token: null }), 200);
  });

  it('answers a burst past the limit with 429s, each with Retry-After, and keeps serving health', async () => {
    const burst = await Promise.all(Array.from({ length: 30 }, () => sidecar.call('/api/incidents', asUser('carol'))));
    const statuses = burst.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(25);
    for (const r of burst.filter((r) => r.status === 429)) expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    await expectStatus(await sidecar.call('/health/ready', { token: null }), 200);
  });
});

describe('rate limit per address for unauthenticated requests', () => {
  let sidecar: TestSidecar;
  let valid: string;
  beforeAll(async () => {
    sidecar = await startSidecar({ env: { RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: '3', TRUST_PROXY: 'true' } });
    valid = (await createApiToken(sidecar.sql, 'valid-bot', 'viewer')).token;
  });
  afterAll(() => sidecar.close());

  const from = (address: string, token: string | null) =>
    sidecar.call('/api/incidents', { token, headers: { 'x-forwarded-for': `${address}, 10.0.0.1` } });

  it('refuses an address after its failures, before looking any token up', async () => {
    for (const token of ['made-up-1', null, 'made-up-2']) expect((await from('203.0.113.7', token)).status).toBe(401);
    const res = await from('203.0.113.7', 'made-up-3');
    const body = await expectStatus(res, 429);
    expect(body.error.code).toBe('RATE_LIMITED');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    // Refused before auth: even a valid token from that address waits for the window to pass.
    expect((await from('203.0.113.7', valid)).status).toBe(429);
  });

  it('does not count authenticated requests, so a busy proxy is never throttled by it', async () => {
    for (let n = 0; n < 10; n++) await expectStatus(await from('198.51.100.2', valid), 200);
    expect((await from('198.51.100.2', 'made-up')).status).toBe(401);
  });

  it('keys by the first X-Forwarded-For entry only when TRUST_PROXY is set', async () => {
    // (With it, the addresses above had budgets of their own: 198.51.100.2 was not refused after 203.0.113.7 was.)
    const untrusting = await startSidecar({ env: { RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: '2' } });
    try {
      for (const address of ['192.0.2.1', '192.0.2.2']) {
        const res = await untrusting.call('/api/incidents', { token: 'bad', headers: { 'x-forwarded-for': address } });
        expect(res.status).toBe(401);
      }
      // Without TRUST_PROXY every request comes from the socket's address, whatever the header claims.
      const res = await untrusting.call('/api/incidents', { token: 'bad', headers: { 'x-forwarded-for': '192.0.2.3' } });
      expect(res.status).toBe(429);
    } finally {
      await untrusting.close();
    }
  });
});

describe('request timeout', () => {
  let sidecar: TestSidecar;
  beforeAll(async () => (sidecar = await startSidecar({ env: { REQUEST_TIMEOUT_MS: '300' } })));
  afterAll(() => sidecar.close());

  it('answers 504 REQUEST_TIMEOUT in the envelope when a request runs past the limit', async () => {
    const started = Date.now();
    const held = holdRequest(sidecar.url, '/api/incidents', 'test-admin-token-0123456789', { title: 'Slow', severity: 'low' });
    const res = await held.response;
    held.finish();
    expect(res.status, JSON.stringify(res.body)).toBe(504);
    expect(res.body.error).toMatchObject({ code: 'REQUEST_TIMEOUT', request_id: res.headers['x-request-id'] });
    expect(res.body.error.message).toMatch(/300 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
    await expectStatus(await sidecar.call('/api/incidents'), 200);
  });
});

describe('body size limit', () => {
  let sidecar: TestSidecar;
  beforeAll(async () => (sidecar = await startSidecar({ maxBodyBytes: 8 * 1024 })));
  afterAll(() => sidecar.close());

  it('answers 413 and closes the connection, so the rest of a refused upload cannot break the next request', async () => {
    for (let n = 0; n < 3; n++) {
      const big = await sidecar.call('/api/incidents', { method: 'POST', json: { title: 'x'.repeat(300_000), severity: 'low' } });
      expect((await expectStatus(big, 413)).error.code).toBe('PAYLOAD_TOO_LARGE');
      expect(big.headers.get('connection')).toBe('close');
      // Sent at once on the same client: before the fix it waited 500 ms, then failed with "other side closed".
      const started = Date.now();
      await expectStatus(await sidecar.call('/api/incidents', { method: 'POST', json: { title: `After ${n}`, severity: 'low' } }), 201);
      expect(Date.now() - started).toBeLessThan(400);
    }
  });

  /** Posts `pieces` one write each, without Content-Length (Transfer-Encoding: chunked), as a streaming client does. */
  const postChunked = (path: string, pieces: string[]) =>
    new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = http.request(new URL(path, sidecar.url), {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      });
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      for (const piece of pieces) req.write(piece);
      req.end();
    });

  it('reads a chunked body piece by piece, counts it against the limit, and still answers malformed JSON with 400', async () => {
    const json = JSON.stringify({ title: 'Streamed in pieces', severity: 'low' });
    const created = await postChunked('/api/incidents', [json.slice(0, 10), json.slice(10, 25), json.slice(25)]);
    expect(created).toMatchObject({ status: 201, body: { title: 'Streamed in pieces' } });

    const piece = 'x'.repeat(1024);
    const tooBig = await postChunked('/api/incidents', ['{"title":"', ...Array.from({ length: 12 }, () => piece), '"}']);
    expect(tooBig).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE', details: { maxBytes: 8192 } } } });

    const malformed = await postChunked('/api/incidents', ['{"title": "half', ' a body']);
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('MALFORMED_REQUEST');
  });
});

describe('CORS', () => {
  const preflight = (s: TestSidecar, origin: string) =>
    s.call('/api/incidents', {
      method: 'OPTIONS',
      token: null,
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });

  it('is closed by default: no preflight is answered and no answer carries CORS headers', async () => {
    const sidecar = await startSidecar();
    try {
      const res = await preflight(sidecar, 'https://grafana.example.com');
      expect(res.status).toBe(401);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      const get = await sidecar.call('/api/incidents', { headers: { origin: 'https://grafana.example.com' } });
      expect(get.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await sidecar.close();
    }
  });

  it('answers configured origins only, including on errors, and exposes the retry headers', async () => {
    const sidecar = await startSidecar({ env: { CORS_ORIGINS: 'https://grafana.example.com, https://ops.example.com:8443' } });
    try {
      const ok = await preflight(sidecar, 'https://ops.example.com:8443');
      expect(ok.status).toBe(204);
      expect(ok.headers.get('access-control-allow-origin')).toBe('https://ops.example.com:8443');
      expect(ok.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
      expect(ok.headers.get('access-control-allow-credentials')).toBeNull();

      const evil = await preflight(sidecar, 'https://evil.example.com');
      expect(evil.status).toBe(401);
      expect(evil.headers.get('access-control-allow-origin')).toBeNull();

      const refused = await sidecar.call('/api/incidents', { token: null, headers: { origin: 'https://grafana.example.com' } });
      expect(refused.status).toBe(401);
      expect(refused.headers.get('access-control-allow-origin')).toBe('https://grafana.example.com');
      expect(refused.headers.get('access-control-expose-headers')).toMatch(/Retry-After/);
    } finally {
      await sidecar.close();
    }
  });

  it('refuses wildcards and paths in CORS_ORIGINS at start', () => {
    expect(() => loadConfig({ CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://grafana.example.com/app' })).toThrow(/CORS_ORIGINS/);
    expect(loadConfig({}).corsOrigins).toEqual([]);
  });
});

describe("requests Node's HTTP parser refuses", () => {
  let sidecar: TestSidecar;
  beforeAll(async () => {
    sidecar = await startSidecar();
  });
  afterAll(() => sidecar.close());

  /** Sends raw bytes and reads the whole answer (the server closes the connection after a refusal). */
  async function raw(request: string): Promise<{ status: number; headers: Record<string, string>; body: any }> {
    const { port } = new URL(sidecar.url);
    const socket = (await import('node:net')).connect(Number(port), '127.0.0.1');
    socket.end(request);
    const chunks: Buffer[] = [];
    for await (const chunk of socket) chunks.push(chunk as Buffer);
    const [head, body] = Buffer.concat(chunks).toString('utf8').split('\r\n\r\n');
    const [statusLine, ...lines] = head!.split('\r\n');
    const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    return { status: Number(statusLine!.split(' ')[1]), headers, body: JSON.parse(body!) };
  }

  it('answers 431 for headers past the limit, in the envelope with a request id', async () => {
    const res = await raw(`GET /api/incidents HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(res.status).toBe(431);
    expect(res.body.error).toMatchObject({ code: 'MALFORMED_REQUEST', request_id: res.headers['x-request-id'] });
    expect(res.headers['content-type']).toBe('application/json');
  });

  it('answers 400 for a request line that is not HTTP, and for a body that contradicts its framing', async () => {
    const garbage = await raw('GET /\u0001 nonsense\r\n\r\n');
    expect(garbage.status).toBe(400);
    expect(garbage.body.error).toMatchObject({ code: 'MALFORMED_REQUEST', request_id: garbage.headers['x-request-id'] });
    const framing = await raw('POST /api/incidents HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n');
    expect(framing.status).toBe(400);
    expect(framing.body.error.request_id).toBe(framing.headers['x-request-id']);
  });
});
