/**
 * Grafana's app plugin proxy, /api/plugin-proxy/<pluginId>/<path> (pkg/api/plugin_proxy.go,
 * pkg/api/pluginproxy/pluginproxy.go + utils.go, pkg/util/proxyutil/{proxyutil,reverse_proxy}.go).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { PluginSettings } from './settings';

export interface ProxyRoute {
  path: string;
  method?: string;
  url?: string;
  reqRole?: string;
  headers?: Array<{ name: string; content: string }>;
}

export interface HostUser {
  login: string;
  role: 'Viewer' | 'Editor' | 'Admin';
}

const ROLE_RANK: Record<string, number> = { Viewer: 1, Editor: 2, Admin: 3 };
// What Go's httputil.ReverseProxy strips in both directions, besides anything named in Connection.
const HOP_BY_HOP = ['connection', 'proxy-connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization'];
HOP_BY_HOP.push('te', 'trailer', 'transfer-encoding', 'upgrade');

/**
 * pkg/web/tree.go (macaron's router) as HandleRequest uses it: slashes at both ends are trimmed, static segments
 * must be equal, ":name" takes one segment, a final "*" takes one or more. Not a prefix match: a route "api" only
 * matches exactly "api"; "api/*" matches "api/x/y". Returns the "*" capture (what gets appended to the route url),
 * "" when the pattern has no "*", or null.
 */
export function matchRoutePath(pattern: string, proxyPath: string): string | null {
  const trim = (s: string) => s.replace(/^\//, '').replace(/\/$/, '').split('/');
  const want = trim(pattern);
  let got: string[];
  try {
    got = trim(proxyPath).map((s) => decodeURIComponent(s));
  } catch {
    return null; // url.PathUnescape failed: no match
  }
  for (let i = 0; i < want.length; i++) {
    if (want[i] === '*' && i === want.length - 1) {
      return i < got.length ? got.slice(i).join('/') : null;
    }
    if (i >= got.length || (!want[i].startsWith(':') && want[i] !== got[i])) {
      return null;
    }
  }
  return want.length === got.length ? '' : null;
}

/** Go text/template as used for route url/headers; a missing key prints "<no value>", as Go does. */
export function renderTemplate(text: string, settings: PluginSettings): string {
  return text.replace(/\{\{(.*?)\}\}/g, (_m, expr: string) => {
    const ref = /^\s*\.(JsonData|SecureJsonData)\.(\w+)\s*$/.exec(expr);
    if (!ref) {
      throw new Error(`template action not supported by the host: {{${expr}}}`);
    }
    const value = (ref[1] === 'JsonData' ? settings.jsonData : settings.secureJsonData)?.[ref[2]];
    return value === undefined || value === null ? '<no value>' : String(value);
  });
}

// util.JoinURLFragments
const joinURLFragments = (a: string, b: string) =>
  !b
    ? a
    : a.endsWith('/') && b.startsWith('/')
      ? a + b.slice(1)
      : a.endsWith('/') || b.startsWith('/')
        ? a + b
        : `${a}/${b}`;

function jsonErr(res: ServerResponse, status: number, message: string) {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8' }).end(JSON.stringify({ message }) + '\n');
}

export interface ProxyRequest {
  routes: ProxyRoute[];
  settings: PluginSettings;
  user: HostUser;
  /** The escaped path after /api/plugin-proxy/<id>/, without the query string. */
  proxyPath: string;
  search: string;
  sendUserHeader: boolean;
}

export function proxyPluginRequest(req: IncomingMessage, res: ServerResponse, p: ProxyRequest): void {
  // HandleRequest: first route in plugin.json order whose method and path match; reqRole checked on that route.
  let route: ProxyRoute | undefined;
  let rest = '';
  for (const r of p.routes) {
    const capture =
      r.method && r.method !== '*' && r.method !== req.method ? null : matchRoutePath(r.path, p.proxyPath);
    if (capture !== null) {
      route = r;
      rest = capture;
      break;
    }
  }
  if (!route) {
    return jsonErr(res, 404, 'plugin route match not found');
  }
  if (route.reqRole && (ROLE_RANK[p.user.role] ?? 0) < (ROLE_RANK[route.reqRole] ?? Infinity)) {
    return jsonErr(res, 403, 'plugin proxy route access denied');
  }

  let target: URL;
  const headers: Record<string, string | string[]> = {};
  try {
    // director: scheme/host/path from the templated route url (its own query string is dropped; the caller's kept).
    target = new URL(renderTemplate(route.url ?? '', p.settings));
    // The capture is unescaped; Go re-escapes it as URL.EscapedPath does (keeping $&+,:;=@ as they are).
    const escaped = rest
      .split('/')
      .map((seg) => encodeURIComponent(seg).replace(/%(24|26|2B|2C|3A|3B|3D|40)/g, decodeURIComponent));
    target.pathname = joinURLFragments(target.pathname, escaped.join('/'));
    target.search = p.search;
    const named = String(req.headers.connection ?? '')
      .toLowerCase()
      .split(',')
      .map((s) => s.trim());
    const dropped = new Set([...HOP_BY_HOP, ...named, 'cookie', 'set-cookie', 'x-grafana-user', 'host']);
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !dropped.has(name)) {
        headers[name] = value;
      }
    }
    headers['x-grafana-context'] = JSON.stringify({ Login: p.user.login, OrgID: 1, OrgRole: p.user.role });
    if (p.sendUserHeader) {
      headers['x-grafana-user'] = p.user.login; // proxyutil.ApplyUserHeader, when [dataproxy] send_user_header
    }
    for (const h of route.headers ?? []) {
      headers[h.name.toLowerCase()] = renderTemplate(h.content, p.settings);
    }
  } catch (err) {
    // Go's url.Parse accepts what WHATWG URL rejects (e.g. "<no value>/api"); the transport then fails: 502.
    console.error(`[host] plugin proxy: ${String(err)}`);
    return void res.writeHead(err instanceof TypeError ? 502 : 500).end();
  }
  // PrepareProxyRequest
  headers['x-grafana-referer'] = String(req.headers.referer ?? '');
  for (const name of ['origin', 'referer', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-proto']) {
    delete headers[name];
  }
  const prior = req.headers['x-forwarded-for'];
  headers['x-forwarded-for'] = (prior ? `${prior}, ` : '') + (req.socket.remoteAddress ?? '');

  const client = target.protocol === 'https:' ? https : http;
  const upstream = client.request(target, { method: req.method, headers }, (up) => {
    // modifyResponse: Set-Cookie removed, Content-Security-Policy: sandbox added.
    const out: Record<string, string | string[]> = { 'content-security-policy': 'sandbox' };
    for (const [name, value] of Object.entries(up.headers)) {
      if (value !== undefined && !HOP_BY_HOP.includes(name) && name !== 'set-cookie') {
        out[name] = value;
      }
    }
    res.writeHead(up.statusCode ?? 502, out);
    up.pipe(res);
  });
  // reverse_proxy.go errorHandler: any transport error is a bare 502 with no body.
  upstream.on('error', (err) => {
    console.error(`[host] plugin proxy upstream ${target.origin}: ${err.message}`);
    if (!res.headersSent) {
      res.writeHead(502).end();
    } else {
      res.destroy();
    }
  });
  res.on('close', () => upstream.destroy());
  req.pipe(upstream);
}
