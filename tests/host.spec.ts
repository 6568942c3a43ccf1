/**
 * Proves the host itself (host/): the built plugin loads through SystemJS like in Grafana, its pages render, and
 * the plugin proxy and settings API behave like Grafana's. Depends only on what stays while the pages are
 * rewritten: the config page at /plugins/<id>, the app root at /a/<id>/.
 */
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHost } from '../host/server';

const SHOTS = 'test-results/screenshots';
const dist = join(__dirname, '../dist');
const pluginJson = JSON.parse(readFileSync(join(dist, 'plugin.json'), 'utf8'));

let host: Awaited<ReturnType<typeof startHost>>;
let upstream: http.Server;
let upstreamUrl: string;
const received: Array<{ method?: string; url?: string; headers: IncomingHttpHeaders; body: string }> = [];

test.beforeAll(async () => {
  // A throwaway sidecar that records what the proxy sends it.
  upstream = http.createServer((req, res) => {
    let body = '';
    req
      .on('data', (c) => (body += c))
      .on('end', () => {
        received.push({ method: req.method, url: req.url, headers: req.headers, body });
        // Only the proxy test's paths answer; the pages' own calls get the sidecar's error envelope.
        if (!req.url?.startsWith('/api/echo/')) {
          res.writeHead(503, { 'Content-Type': 'application/json' });
          return res.end(JSON.stringify({ error: { code: 'UPSTREAM_UNAVAILABLE', message: 'test sidecar' } }));
        }
        res.writeHead(200, { 'Content-Type': 'application/json', 'Set-Cookie': 'upstream=1' });
        res.end(JSON.stringify({ echoed: req.url }));
      });
  });
  await new Promise<void>((ok) => upstream.listen(0, '127.0.0.1', ok));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;

  // Our own plugin.json routes and provisioning, so the test does not depend on src/ or provisioning/ edits.
  const dir = mkdtempSync(join(tmpdir(), 'host-spec-'));
  const routes = [
    { path: 'admin/*', reqRole: 'Admin', url: '{{ .JsonData.sidecarUrl }}/admin' },
    {
      path: 'api/*',
      url: '{{ .JsonData.sidecarUrl }}/api',
      headers: [{ name: 'Authorization', content: 'Bearer {{ .SecureJsonData.sidecarToken }}' }],
    },
    { path: 'down', url: 'http://127.0.0.1:9/nothing-listens-here' },
  ];
  writeFileSync(join(dir, 'plugin.json'), JSON.stringify({ ...pluginJson, routes }));
  mkdirSync(join(dir, 'provisioning'));
  const yaml = [
    'apps:',
    `  - type: ${pluginJson.id}`,
    '    jsonData:',
    '      sidecarUrl: $SIDECAR_URL',
    '      price: "$$5"',
    '    secureJsonData:',
    '      sidecarToken: ${TOKEN}',
  ];
  writeFileSync(join(dir, 'provisioning/apps.yaml'), yaml.join('\n'));
  host = await startHost({
    distDir: dist,
    pluginJsonPath: join(dir, 'plugin.json'),
    provisioningDir: join(dir, 'provisioning'),
    env: { SIDECAR_URL: upstreamUrl, TOKEN: 's3cret' },
  });
  mkdirSync(SHOTS, { recursive: true });
});

test.afterAll(async () => {
  await host?.close();
  upstream?.close();
});

/**
 * Records what means the host or the plugin broke: uncaught errors, console errors (a plugin crash caught by an
 * error boundary included), failed or non-2xx requests for the page, scripts and chunks. Failed API calls are the
 * pages' business (they show their own error states), so their "Failed to load resource" lines are not counted.
 */
function watchLoader(page: Page) {
  const problems: string[] = [];
  // Grafana's Inter font and its full icon set are not published to npm, so those 404 here and only here.
  const isLoaderUrl = (url: string) =>
    !/\/public\/(fonts|build\/img\/icons)\//.test(url) && !new URL(url).pathname.startsWith('/api/');
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    const isResourceLine = m.text().startsWith('Failed to load resource');
    if (m.type() === 'error' && (!isResourceLine || isLoaderUrl(m.location().url))) {
      problems.push(`console.error: ${m.text()} (${m.location().url})`);
    }
  });
  page.on('requestfailed', (r) => {
    if (isLoaderUrl(r.url())) {
      problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
    }
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && isLoaderUrl(r.url())) {
      problems.push(`HTTP ${r.status()}: ${r.url()}`);
    }
  });
  return problems;
}

test('the config page loads the built plugin with SystemJS and renders, in both themes', async ({ page }) => {
  const problems = watchLoader(page);
  const scripts: string[] = [];
  page.on('response', (r) => r.url().includes(`/public/plugins/${pluginJson.id}/`) && scripts.push(r.url()));

  for (const theme of ['dark', 'light']) {
    await page.goto(`${host.url}/plugins/${pluginJson.id}?theme=${theme}`);
    const body = page.getByTestId('host-config-page-body');
    await expect(body.locator('*').first()).toBeVisible({ timeout: 15_000 });
    await expect(page.getByRole('heading', { name: pluginJson.name })).toBeVisible();
    await expect(page.getByText('Plugin failed to load')).toHaveCount(0);
    await page.screenshot({ path: `${SHOTS}/config-page-${theme}.png`, fullPage: true });
  }
  // Every external the build asks for (define([...]) in module.js) is supplied, as Grafana would.
  const moduleJs = readFileSync(join(dist, 'module.js'), 'utf8');
  const externals: string[] = JSON.parse(/define\((\[[^\]]*\])/.exec(moduleJs)![1]).filter(
    (n: string) => n !== 'module'
  );
  const missing = await page.evaluate(
    (names) =>
      Promise.all(
        names.map((n) =>
          (window as any).System.import(n).then(
            () => '',
            (e: Error) => `${n}: ${e}`
          )
        )
      ),
    externals
  );
  expect(missing.filter(Boolean)).toEqual([]);
  // module.js from the AMD define, then at least one lazy chunk found through the `module` dependency's uri.
  expect(scripts.some((u) => u.endsWith('/module.js'))).toBe(true);
  expect(scripts.some((u) => /\/\d+\.js\?_cache=/.test(u))).toBe(true);
  expect(problems).toEqual([]);
});

test('the app root renders inside the router', async ({ page }) => {
  const problems = watchLoader(page);
  await page.goto(`${host.url}/a/${pluginJson.id}/`);
  const main = page.getByTestId('host-main');
  await expect(main.locator('*').first()).toBeVisible({ timeout: 15_000 });
  await expect(main.getByText('Loading...')).toHaveCount(0, { timeout: 15_000 });
  await expect(main.getByText(/Plugin failed to load|Application Not Enabled/)).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/app-root-dark.png`, fullPage: true });
  expect(problems).toEqual([]);
});

test('the plugin proxy forwards like Grafana: templated route, no cookies, user header', async ({ page, context }) => {
  await page.goto(`${host.url}/plugins/${pluginJson.id}`);
  await context.addCookies([{ name: 'grafana_session', value: 'abc', url: host.url }]);
  // Called the way plugin code does: getBackendSrv() from the @grafana/runtime the plugin receives.
  const call = (url: string) =>
    page.evaluate(async (u) => {
      const runtime = await (window as any).System.import('@grafana/runtime');
      return runtime
        .getBackendSrv()
        .get(u)
        .then(
          (data: unknown) => ({ ok: true, data }),
          (e: any) => ({ ok: false, status: e.status, data: e.data, url: e.config?.url })
        );
    }, url);

  const ok = await call(`/api/plugin-proxy/${pluginJson.id}/api/echo/7?limit=5`);
  expect(ok).toEqual({ ok: true, data: { echoed: '/api/echo/7?limit=5' } });
  const sent = received.at(-1)!;
  expect(sent.headers.authorization).toBe('Bearer s3cret');
  expect(sent.headers['x-grafana-user']).toBe('admin');
  expect(sent.headers.cookie).toBeUndefined();
  expect(sent.headers.origin).toBeUndefined();

  const raw = await page.request.get(`${host.url}/api/plugin-proxy/${pluginJson.id}/api/echo/x`);
  expect(raw.headers()['set-cookie']).toBeUndefined();
  expect(raw.headers()['content-security-policy']).toBe('sandbox');

  // Grafana's errors, as plugin code receives them (FetchError with data.message).
  expect(await call(`/api/plugin-proxy/${pluginJson.id}/nope`)).toMatchObject({
    ok: false,
    status: 404,
    data: { message: 'plugin route match not found' },
  });
  expect(await call(`/api/plugin-proxy/${pluginJson.id}/api`)).toMatchObject({ status: 404 }); // "api/*" needs a rest
  expect(await call(`/api/plugin-proxy/${pluginJson.id}/down`)).toMatchObject({
    status: 502,
    data: { message: 'Bad Gateway' },
  });
  await context.addCookies([{ name: 'host_role', value: 'Viewer', url: host.url }]);
  expect(await call(`/api/plugin-proxy/${pluginJson.id}/admin/x`)).toMatchObject({
    status: 403,
    data: { message: 'plugin proxy route access denied' },
  });
});

test('plugin settings come from provisioning and never expose secrets', async ({ request }) => {
  const url = `${host.url}/api/plugins/${pluginJson.id}/settings`;
  const before = await (await request.get(url)).json();
  expect(before).toMatchObject({ enabled: true, pinned: true, secureJsonFields: { sidecarToken: true } });
  expect(before.jsonData).toEqual({ sidecarUrl: upstreamUrl, price: '$5' });
  expect(JSON.stringify(before)).not.toContain('s3cret');

  const update = {
    enabled: true,
    pinned: false,
    jsonData: { sidecarUrl: upstreamUrl },
    secureJsonData: { other: 'x' },
  };
  expect((await request.post(url, { data: update })).status()).toBe(200);
  const after = await (await request.get(url)).json();
  expect(after.jsonData).toEqual({ sidecarUrl: upstreamUrl }); // replaced
  expect(after.secureJsonFields).toEqual({ sidecarToken: true, other: true }); // merged
});
