import fs from 'fs';
import path from 'path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import pluginJson from './plugin.json';

// Grafana's plugin.json schema, from the fixture set laid beside the checkout (README: "Fixtures").
const FIXTURES_DIR = process.env.STUDIO_FIXTURES_DIR ?? path.resolve(__dirname, '..', '..', 'shared', 'fixtures');
const SCHEMA_PATH = path.join(FIXTURES_DIR, 'grafana', 'plugin.schema.json');

interface Route {
  path: string;
  method?: string;
  reqRole?: string;
  url: string;
  headers?: Array<{ name: string; content: string }>;
}

const routes: Route[] = pluginJson.routes;

describe('src/plugin.json', () => {
  test('is valid against Grafana plugin.json schema', () => {
    if (!fs.existsSync(SCHEMA_PATH)) {
      throw new Error(`plugin.json schema not found at ${SCHEMA_PATH}: clone this repo next to shared/`);
    }
    const schema = JSON.parse(fs.readFileSync(SCHEMA_PATH, 'utf8'));
    // The schema is Grafana's, not ours. It uses keywords ajv's strict mode rejects (additionalItems without an
    // items array), and patterns such as `\-` that are invalid under the `u` flag ajv 8 adds by default; neither
    // changes what plugin.json is checked against.
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const isValid = validate(pluginJson);
    // On failure this prints every ajv error (instancePath, keyword, message, params).
    expect({ errors: validate.errors ?? [], text: isValid ? '' : ajv.errorsText(validate.errors) }).toEqual({
      errors: [],
      text: '',
    });
  });

  test('keeps the plugin id and name', () => {
    expect(pluginJson.id).toBe('reliability-studio-app');
    expect(pluginJson.name).toBe('Reliability Studio');
    expect(pluginJson.info.description.length).toBeGreaterThan(20);
  });

  test('declares the Incidents page as the default nav page', () => {
    const incidents = pluginJson.includes.find((i) => i.name === 'Incidents');
    expect(incidents).toMatchObject({
      type: 'page',
      path: '/a/%PLUGIN_ID%/incidents',
      addToNav: true,
      defaultNav: true,
    });
  });

  test('keeps the configuration page for admins', () => {
    const config = pluginJson.includes.find((i) => i.name === 'Configuration');
    expect(config).toMatchObject({ type: 'page', path: '/plugins/%PLUGIN_ID%', role: 'Admin' });
  });

  // Grafana matches app proxy routes with its router tree: a bare "api" would only match the path "api" itself,
  // so every route ends in "/*" and Grafana appends the rest of the path to the route's url.
  test.each([
    ['api/*', 'GET', '{{ .JsonData.sidecarUrl }}/api'],
    ['api/*', 'POST', '{{ .JsonData.sidecarUrl }}/api'],
    ['api/*', 'PATCH', '{{ .JsonData.sidecarUrl }}/api'],
    ['health/*', 'GET', '{{ .JsonData.sidecarUrl }}/health'],
  ])('proxies %s %s to the sidecar with the token', (routePath, method, url) => {
    // Same selection rule as Grafana: first route whose method matches (or has none) and whose path matches.
    const route = routes.find((r) => r.path === routePath && (!r.method || r.method === '*' || r.method === method));
    expect(route).toBeDefined();
    expect(route!.url).toBe(url);
    expect(route!.headers).toEqual([{ name: 'Authorization', content: 'Bearer {{ .SecureJsonData.sidecarToken }}' }]);
  });

  test('lets viewers read but only editors write through the proxy', () => {
    const firstApiGet = routes.find((r) => r.path === 'api/*' && (!r.method || r.method === 'GET'));
    const firstApiPost = routes.find((r) => r.path === 'api/*' && (!r.method || r.method === 'POST'));
    expect(firstApiGet?.reqRole).toBe('Viewer');
    expect(firstApiPost?.reqRole).toBe('Editor');
  });

  test('lets viewers get a live ticket (the live feed is read-only), ahead of the editors-only api/* route', () => {
    const index = routes.findIndex((r) => r.path === 'api/live/tickets' && r.method === 'POST');
    expect(routes[index]).toMatchObject({ reqRole: 'Viewer', url: '{{ .JsonData.sidecarUrl }}/api/live/tickets' });
    expect(index).toBeLessThan(routes.findIndex((r) => r.path === 'api/*' && !r.method));
  });

  test('never reads the token from jsonData (Viewers can read jsonData)', () => {
    for (const route of routes) {
      for (const header of route.headers ?? []) {
        expect(header.content).not.toMatch(/\.JsonData\./);
      }
    }
  });
});
