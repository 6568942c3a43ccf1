// A small pretend shop for the compose stack: it serves Prometheus metrics, pushes logs to Loki and traces to
// Tempo (OTLP/HTTP JSON), with a steady trickle of errors and, every DEMO_BURST_EVERY_MINUTES, a few minutes in
// which payments-api times out against its provider. The studio's correlation then has something real to find:
// an error-ratio jump, a new log pattern and failing traces, all starting at the same moment.
//
// No dependencies on purpose: it runs from a bare node image with this file mounted.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const PORT = Number(process.env.PORT ?? 8080);
const LOKI_URL = process.env.LOKI_URL ?? 'http://localhost:3100';
const OTLP_URL = process.env.OTLP_URL ?? 'http://localhost:4318';
const BURST_EVERY_MS = Number(process.env.DEMO_BURST_EVERY_MINUTES ?? 15) * 60_000;
const BURST_FOR_MS = Number(process.env.DEMO_BURST_MINUTES ?? 4) * 60_000;

// Names and labels match the sidecar's demo catalog, so the default query templates find these series.
const SERVICES = [
  { name: 'checkout', rps: 20, baseLatency: 0.08, route: 'POST /orders' },
  { name: 'payments-api', rps: 12, baseLatency: 0.12, route: 'POST /charges' },
  { name: 'search', rps: 40, baseLatency: 0.03, route: 'GET /search' },
];
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const startedAt = Date.now();

const counters = new Map(); // `${service}|${code}` -> count
const histograms = new Map(); // service -> { buckets: number[], sum, count }
let pendingLogs = [];
let pendingSpans = [];

const isBursting = (now) => (now - startedAt) % BURST_EVERY_MS > BURST_EVERY_MS - BURST_FOR_MS;
const hex = (bytes) => randomBytes(bytes).toString('hex');
// Log-normal around the base latency: mostly fast, with a realistic tail.
const latency = (base) => base * Math.exp(0.5 * Math.sqrt(-2 * Math.log(Math.random() || 1e-9)) * Math.cos(2 * Math.PI * Math.random()));

function handleRequest(service, now) {
  const burst = service.name === 'payments-api' && isBursting(now);
  const isError = Math.random() < (burst ? 0.35 : 0.005);
  const seconds = burst && isError ? 5 + Math.random() : latency(service.baseLatency);
  const code = isError ? (burst ? '504' : '500') : '200';
  const key = `${service.name}|${code}`;
  counters.set(key, (counters.get(key) ?? 0) + 1);
  const h = histograms.get(service.name) ?? { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 };
  BUCKETS.forEach((le, i) => (h.buckets[i] += seconds <= le ? 1 : 0));
  h.sum += seconds;
  h.count += 1;
  histograms.set(service.name, h);

  // Every error and one request in fifty become a trace and a log line that names it.
  if (!isError && Math.random() > 0.02) {return;}
  const traceId = hex(16);
  const order = Math.floor(Math.random() * 1e6);
  const line = isError
    ? burst
      ? `level=error msg="payment provider timeout after 5000ms" provider=acme order=${order} trace_id=${traceId}`
      : `level=error msg="request failed" route="${service.route}" status=${code} trace_id=${traceId}`
    : `level=info msg="request served" route="${service.route}" status=200 duration_ms=${Math.round(seconds * 1000)} trace_id=${traceId}`;
  pendingLogs.push({ service: service.name, level: isError ? 'error' : 'info', at: now, line });
  pendingSpans.push(spansFor(service, traceId, now, seconds, isError, burst));
}

function spansFor(service, traceId, now, seconds, isError, burst) {
  const end = BigInt(now) * 1_000_000n;
  const start = end - BigInt(Math.round(seconds * 1e9));
  const rootId = hex(8);
  const status = isError ? { code: 2, message: burst ? 'provider timeout' : 'internal error' } : { code: 1 };
  const child = burst
    ? { name: 'acme.charge', kind: 3 }
    : { name: service.name === 'search' ? 'index.query' : 'db.query', kind: 3 };
  return {
    service: service.name,
    spans: [
      { traceId, spanId: rootId, name: service.route, kind: 2, startTimeUnixNano: String(start), endTimeUnixNano: String(end), status },
      {
        traceId,
        spanId: hex(8),
        parentSpanId: rootId,
        name: child.name,
        kind: child.kind,
        startTimeUnixNano: String(start + 1_000_000n),
        endTimeUnixNano: String(end - 1_000_000n),
        status,
      },
    ],
  };
}

function metricsText() {
  const out = ['# TYPE http_requests_total counter'];
  for (const [key, n] of counters) {
    const [service, code] = key.split('|');
    out.push(`http_requests_total{service="${service}",code="${code}"} ${n}`);
  }
  out.push('# TYPE http_request_duration_seconds histogram');
  for (const [service, h] of histograms) {
    BUCKETS.forEach((le, i) => out.push(`http_request_duration_seconds_bucket{service="${service}",le="${le}"} ${h.buckets[i]}`));
    out.push(`http_request_duration_seconds_bucket{service="${service}",le="+Inf"} ${h.count}`);
    out.push(`http_request_duration_seconds_sum{service="${service}"} ${h.sum}`);
    out.push(`http_request_duration_seconds_count{service="${service}"} ${h.count}`);
  }
  return out.join('\n') + '\n';
}

async function post(url, body) {
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) {console.warn(`${url}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);}
  } catch (err) {
    console.warn(`${url}: ${err.message}`); // Loki or Tempo restarting: drop this batch, keep going
  }
}

async function flush() {
  const logs = pendingLogs;
  const traces = pendingSpans;
  pendingLogs = [];
  pendingSpans = [];
  if (logs.length) {
    const streams = new Map();
    for (const l of logs) {
      const key = `${l.service}|${l.level}`;
      if (!streams.has(key)) {streams.set(key, { stream: { service: l.service, level: l.level, env: 'demo' }, values: [] });}
      streams.get(key).values.push([String(BigInt(l.at) * 1_000_000n), l.line]);
    }
    await post(`${LOKI_URL}/loki/api/v1/push`, { streams: [...streams.values()] });
  }
  if (traces.length) {
    const resourceSpans = traces.map((t) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: t.service } }] },
      scopeSpans: [{ scope: { name: 'demo-workload' }, spans: t.spans }],
    }));
    await post(`${OTLP_URL}/v1/traces`, { resourceSpans });
  }
}

setInterval(() => {
  const now = Date.now();
  for (const service of SERVICES) {for (let i = 0; i < service.rps; i++) {handleRequest(service, now);}}
}, 1000);
setInterval(flush, 2000);

createServer((req, res) => {
  if (req.url === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(metricsText());
  } else {
    res.writeHead(404).end();
  }
}).listen(PORT, () => console.log(`demo workload on :${PORT}; bursts every ${BURST_EVERY_MS / 60_000} min`));

for (const signal of ['SIGTERM', 'SIGINT']) {process.on(signal, () => flush().finally(() => process.exit(0)));}
