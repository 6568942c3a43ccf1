/**
 * A small stand-in for Grafana so the built plugin (dist/) runs in a real browser: serves the plugin's files, the
 * settings and plugin-proxy APIs, and a page that loads the plugin the way Grafana's frontend does (shell/).
 * Standalone: `tsx host/server.ts` (HOST_PORT, default 3000; HOST_ROLE=Viewer|Editor|Admin).
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { buildShell } from './build';
import { proxyPluginRequest, type HostUser, type ProxyRoute } from './proxy';
import { applyUpdate, loadProvisionedSettings, type PluginSettings } from './settings';

const ROOT = join(__dirname, '..');
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.css': 'text/css; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
};
const ROLES: HostUser['role'][] = ['Viewer', 'Editor', 'Admin'];

export interface HostOptions {
  port?: number;
  distDir?: string;
  /** plugin.json to read id, includes and routes from (default: <distDir>/plugin.json, re-read on every request). */
  pluginJsonPath?: string;
  provisioningDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Role of the signed-in user "admin"; a page opened with ?role=Viewer overrides it via a cookie. */
  role?: HostUser['role'];
  /** Grafana's [dataproxy] send_user_header. */
  sendUserHeader?: boolean;
}

export async function startHost(opts: HostOptions = {}) {
  const distDir = resolve(opts.distDir ?? join(ROOT, 'dist'));
  const pluginJsonPath = opts.pluginJsonPath ?? join(distDir, 'plugin.json');
  const readPluginJson = () => JSON.parse(readFileSync(pluginJsonPath, 'utf8'));
  const pluginId: string = readPluginJson().id;
  // In memory, like a fresh Grafana database: every start re-applies provisioning (which replaces jsonData anyway),
  // so tests always begin from apps.yaml and never from what an earlier run saved.
  let settings: PluginSettings = loadProvisionedSettings(
    pluginId,
    opts.provisioningDir ?? join(ROOT, 'provisioning/plugins'),
    opts.env ?? process.env
  );
  const shell = await buildShell();
  console.log(`[host] shell ${shell.cached ? 'reused' : 'built'} in ${shell.ms} ms`);

  const userOf = (req: IncomingMessage): HostUser => {
    const cookie = /(?:^|;\s*)host_role=(\w+)/.exec(req.headers.cookie ?? '')?.[1];
    const role = [cookie, opts.role, process.env.HOST_ROLE].find((r) => ROLES.includes(r as HostUser['role']));
    return { login: 'admin', role: (role as HostUser['role']) ?? 'Admin' };
  };

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://host');
      const path = url.pathname;
      const json = (status: number, body: unknown) =>
        void res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
      let m: RegExpExecArray | null;
      if ((m = /^\/public\/plugins\/([\w-]+)\/(.+)$/.exec(path))) {
        // Grafana's plugin asset route; the query string (?_cache=<hash> on chunks) is ignored.
        return m[1] === pluginId ? serveFile(res, distDir, m[2]) : json(404, { message: 'Plugin not found' });
      }
      if ((m = /^\/public\/build\/img\/icons\/(.+)$/.exec(path))) {
        return serveFile(res, join(dirname(require.resolve('@grafana/ui')), '../public/img/icons'), m[1]);
      }
      if ((m = /^\/host\/systemjs\/(.+)$/.exec(path))) {
        return serveFile(res, join(dirname(require.resolve('systemjs/package.json')), 'dist'), m[1]);
      }
      if ((m = /^\/host\/shell\/(.+)$/.exec(path))) {
        return serveFile(res, shell.outdir, m[1]);
      }
      if ((m = /^\/api\/plugins\/([\w-]+)\/settings$/.exec(path))) {
        if (m[1] !== pluginId) {
          return json(404, { message: 'Plugin not found, no installed plugin with that id' });
        }
        if (req.method === 'POST') {
          // UpdatePluginSetting needs plugins:write, which only org Admins have.
          if (userOf(req).role !== 'Admin') {
            return json(403, { message: 'Access denied: plugins:write needed', title: 'Access denied' });
          }
          let update;
          try {
            update = JSON.parse((await readBody(req)) || '{}');
          } catch {
            return json(400, { message: 'bad request data' });
          }
          settings = applyUpdate(settings, update);
          return json(200, { message: 'Plugin settings updated' });
        }
        return json(200, settingsDto(readPluginJson(), settings));
      }
      if ((m = /^\/api\/plugin-proxy\/([\w-]+)\/?(.*)$/.exec(req.url ?? ''))) {
        if (m[1] !== pluginId) {
          return json(404, { message: 'Plugin not found, no installed plugin with that id' });
        }
        const routes: ProxyRoute[] = readPluginJson().routes ?? [];
        const sendUserHeader = opts.sendUserHeader ?? true;
        const [proxyPath] = m[2].split('?');
        return proxyPluginRequest(req, res, {
          routes,
          settings,
          user: userOf(req),
          proxyPath,
          search: url.search,
          sendUserHeader,
        });
      }
      if (path.startsWith('/api/') || path.startsWith('/public/')) {
        // Grafana's fonts and full icon set are not on npm: /public/fonts/* and some icons 404 here.
        return json(404, { message: 'Not found' });
      }
      // Everything else is the single-page app, like Grafana's index handler.
      const queryRole = url.searchParams.get('role');
      const cookie = ROLES.includes(queryRole as HostUser['role']) ? `host_role=${queryRole}; Path=/` : undefined;
      const user = cookie ? { login: 'admin', role: queryRole as HostUser['role'] } : userOf(req);
      const html = indexHtml(readPluginJson(), user, url.searchParams.get('theme') === 'light' ? 'light' : 'dark');
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...(cookie && { 'Set-Cookie': cookie }) });
      res.end(html);
    } catch (err) {
      console.error('[host]', err);
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"message":"Internal Server Error"}');
      }
    }
  });

  await new Promise<void>((ok) => server.listen(opts.port ?? 0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    pluginId,
    close: () => new Promise<void>((ok) => server.close(() => ok()).closeAllConnections()),
  };
}

function serveFile(res: ServerResponse, root: string, rel: string) {
  const file = resolve(root, decodeURIComponent(rel));
  if (!file.startsWith(resolve(root) + sep) || !existsSync(file) || !statSync(file).isFile()) {
    return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
  }
  res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((ok, fail) => {
    const chunks: Buffer[] = [];
    req
      .on('data', (c) => chunks.push(c))
      .on('end', () => ok(Buffer.concat(chunks).toString('utf8')))
      .on('error', fail);
  });

/** PluginSettingDTO (pkg/api/dtos/plugins.go): secrets only as secureJsonFields; logos resolved under public/. */
function settingsDto(pj: any, s: PluginSettings) {
  const base = `public/plugins/${pj.id}`;
  const logos = Object.fromEntries(Object.entries(pj.info?.logos ?? {}).map(([k, v]) => [k, `${base}/${v}`]));
  const defaultNav = pj.includes?.find((i: any) => i.defaultNav)?.path ?? '';
  return {
    ...{ id: pj.id, type: pj.type, name: pj.name, info: { ...pj.info, logos }, includes: pj.includes ?? [] },
    ...{ dependencies: pj.dependencies, module: `${base}/module.js`, baseUrl: base, defaultNavUrl: defaultNav },
    ...{ enabled: s.enabled, pinned: s.pinned, autoEnabled: Boolean(pj.autoEnabled), jsonData: s.jsonData },
    secureJsonFields: Object.fromEntries(Object.keys(s.secureJsonData).map((k) => [k, true])),
    loadingStrategy: 'script',
  };
}

/** Grafana's index.html: <base href>, window.grafanaBootData (user, settings, navTree), then the app bundle. */
function indexHtml(pj: any, user: HostUser, theme: 'dark' | 'light') {
  const pages = (pj.includes ?? []).filter((i: any) => i.type === 'page' && i.addToNav);
  const children = pages.map((i: any) => ({ id: `${pj.id}-${i.name}`, text: i.name, url: i.path, icon: i.icon }));
  const navTree = [{ id: `plugin-page-${pj.id}`, text: pj.name, url: `/a/${pj.id}`, children }];
  const apps = { [pj.id]: { id: pj.id, path: `public/plugins/${pj.id}/module.js`, version: pj.info?.version } };
  const bootData = {
    user: {
      ...{ id: 1, uid: 'admin', login: user.login, name: user.login, email: 'admin@localhost', isSignedIn: true },
      ...{ orgId: 1, orgName: 'Main Org.', orgRole: user.role, isGrafanaAdmin: user.role === 'Admin', theme },
      ...{ timezone: 'browser', weekStart: '', locale: 'en-US', language: 'en-US', regionalFormat: 'en-US' },
      permissions: {},
    },
    settings: {
      ...{ appSubUrl: '', appUrl: '/', buildInfo: { version: '12.4.10', edition: 'Open Source', env: 'production' } },
      ...{ featureToggles: {}, apps, panels: {}, datasources: {}, defaultDatasource: '' },
    },
    navTree,
    assets: { dark: '', light: '' },
  };
  const bg = theme === 'light' ? '#f4f5f5' : '#111217';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><base href="/"><title>Grafana (host)</title>
<script>window.grafanaBootData = ${JSON.stringify(bootData).replace(/</g, '\\u003c')};
window.__grafana_public_path__ = '/public/';</script>
<script src="/host/systemjs/system.js"></script>
<script src="/host/systemjs/extras/amd.js"></script>
<script src="/host/systemjs/extras/named-register.js"></script>
<script type="module" src="/host/shell/main.js"></script>
</head><body class="theme-${theme}" style="margin:0;background:${bg}"><div id="reactRoot"></div></body></html>`;
}

if (require.main === module) {
  const port = Number(process.env.HOST_PORT ?? 3000);
  startHost({ port }).then(({ url, pluginId }) => {
    console.log(`[host] listening on ${url} — app: ${url}/a/${pluginId}/  config: ${url}/plugins/${pluginId}`);
  });
}
