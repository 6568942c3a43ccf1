/**
 * A Tempo 2.0 stand-in over a list of traces, answering as the real one does (the shapes of the Tempo 2.0.1
 * captures in the fixture set): TraceQL search for the few forms the sidecar sends (a service's traces, `&&`
 * `{ status = error }` or `{ duration > X }`), within `start`/`end` in seconds, at most `limit` traces and, past
 * it, an arbitrary subset in an arbitrary order; span sets without span names, with the root span listed twice
 * and no `service.name` on other spans; trace ids without leading zeros. Trace by id: no v2 API (404), v1
 * `batches` with names, services, parents and status, ids in base64.
 */
import type { Reply, SeenRequest } from './fixtureServer.js';
import { json, text } from './fixtureServer.js';

export interface StandInSpan {
  /** 16 hex digits. */
  spanId: string;
  parentSpanId?: string;
  service: string;
  name: string;
  /** After the trace's start. */
  offsetMs: number;
  durationMs: number;
  isError?: boolean;
  statusMessage?: string;
}

export interface StandInTrace {
  /** 32 hex digits. */
  traceId: string;
  start: Date;
  /** The root first. */
  spans: StandInSpan[];
}

const ns = (ms: number) => `${BigInt(Math.round(ms * 1000)) * 1000n}`;
const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
const traceMs = (t: StandInTrace) => Math.max(...t.spans.map((s) => s.offsetMs + s.durationMs));

/** Answers /api/search, /api/v2/traces/<id> (404) and /api/traces/<id>; `random` picks the subset past the limit. */
export function tempoStandIn(traces: StandInTrace[], random: () => number = Math.random) {
  const byId = new Map(traces.map((t) => [t.traceId, t]));
  return (req: SeenRequest): Reply => {
    if (req.path.endsWith('/api/search')) return search(traces, req, random);
    if (req.path.includes('/api/v2/traces/')) return text(404, '404 page not found\n');
    const trace = byId.get(req.path.split('/').pop()!.padStart(32, '0'));
    return trace ? json(batches(trace)) : text(404, 'trace not found');
  };
}

function search(traces: StandInTrace[], req: SeenRequest, random: () => number): Reply {
  const q = req.query.get('q') ?? '';
  const service = /resource\.service\.name = "([^"]*)"/.exec(q)?.[1];
  const isErrors = q.includes('status = error');
  const over = /duration > (\d+)(ms|s)/.exec(q);
  const overMs = over ? Number(over[1]) * (over[2] === 's' ? 1000 : 1) : null;
  const start = Number(req.query.get('start')) * 1000;
  const end = Number(req.query.get('end')) * 1000;
  const limit = Number(req.query.get('limit') ?? 20);
  const matches = (s: StandInSpan) => (!isErrors || s.isError) && (overMs === null || s.durationMs > overMs);
  let found = traces.filter(
    (t) =>
      t.start.getTime() >= start &&
      t.start.getTime() <= end &&
      (service === undefined || t.spans.some((s) => s.service === service)) &&
      (isErrors || overMs !== null ? t.spans.some(matches) : true)
  );
  // Past the limit Tempo keeps whatever its jobs found first: any subset, in any order.
  found = shuffle(found, random).slice(0, limit);
  return json({
    traces: found.map((t) => {
      const root = t.spans[0]!;
      const listed = t.spans.filter((s) => s === root || (isErrors || overMs !== null ? matches(s) : false));
      const spans = listed.flatMap((s) => {
        const attributes = [
          ...(isErrors && s.isError ? [{ key: 'status', value: { stringValue: 'error' } }] : []),
          ...(s === root ? [{ key: 'service.name', value: { stringValue: s.service } }] : []),
        ];
        const span = {
          spanID: s.spanId,
          startTimeUnixNano: ns(t.start.getTime() + s.offsetMs),
          durationNanos: ns(s.durationMs),
          attributes,
        };
        return s === root ? [span, span] : [span];
      });
      return {
        traceID: t.traceId.replace(/^0+/, ''),
        rootServiceName: root.service,
        rootTraceName: root.name,
        startTimeUnixNano: ns(t.start.getTime()),
        durationMs: Math.round(traceMs(t)),
        spanSet: { spans, matched: spans.length },
      };
    }),
    metrics: {},
  });
}

function batches(t: StandInTrace) {
  const services = [...new Set(t.spans.map((s) => s.service))];
  return {
    batches: services.map((service) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [
        {
          scope: { name: 'stand-in' },
          spans: t.spans
            .filter((s) => s.service === service)
            .map((s) => ({
              traceId: b64(t.traceId),
              spanId: b64(s.spanId),
              ...(s.parentSpanId ? { parentSpanId: b64(s.parentSpanId) } : {}),
              name: s.name,
              kind: 'SPAN_KIND_SERVER',
              startTimeUnixNano: ns(t.start.getTime() + s.offsetMs),
              endTimeUnixNano: ns(t.start.getTime() + s.offsetMs + s.durationMs),
              attributes: [],
              status: s.isError ? { code: 'STATUS_CODE_ERROR', message: s.statusMessage ?? '' } : {},
            })),
        },
      ],
    })),
  };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A seeded generator (mulberry32): the same scenario every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface PlantedTraces {
  traces: StandInTrace[];
  /** When the payments-api timeouts began. */
  burstAt: Date;
  /** The background errors of checkout (its own failures), one of them in the window's lead. */
  strays: Date[];
}

/**
 * The planted incident, as traces: checkout `POST /orders` calls payments-api `POST /charge`, one request every
 * 2 s over `from`–`to`, with an ordinary tail (1 % of requests take 1–1.8 s); checkout's own background errors at
 * `strays` (on the 2 s grid from `from`); from `burstAt`, every 12th request (8.3 %) times out in payments-api after 5 s, failing checkout's.
 */
export function plantedTraces(options: { from: Date; to: Date; burstAt: Date; strays: Date[] }): PlantedTraces {
  const random = seeded(24);
  const traces: StandInTrace[] = [];
  const strays = new Set(options.strays.map((d) => d.getTime()));
  let n = 0;
  for (let t = options.from.getTime(); t < options.to.getTime(); t += 2000, n++) {
    // A leading zero, which Tempo's search drops.
    const traceId = `0c0ffee${n.toString(16).padStart(25, '0')}`;
    const rootId = `a${n.toString(16).padStart(15, '0')}`;
    const childId = `b${n.toString(16).padStart(15, '0')}`;
    const isTimeout = t >= options.burstAt.getTime() && n % 12 === 0;
    const isStray = strays.has(t);
    const isTail = random() < 0.01;
    const charge = isTimeout ? 5000 : isTail ? 1000 + random() * 800 : 20 + 60 * Math.exp(0.6 * gaussian(random));
    traces.push({
      traceId,
      start: new Date(t),
      spans: [
        {
          spanId: rootId,
          service: 'checkout',
          name: 'POST /orders',
          offsetMs: 0,
          durationMs: Math.round(charge + 16),
          isError: isTimeout || isStray,
          statusMessage: isTimeout
            ? 'payments-api timeout after 5000ms'
            : isStray
              ? 'inventory check failed'
              : undefined,
        },
        {
          spanId: childId,
          parentSpanId: rootId,
          service: 'payments-api',
          name: 'POST /charge',
          offsetMs: 4,
          durationMs: Math.round(charge),
          isError: isTimeout,
          statusMessage: isTimeout ? 'timeout after 5000ms' : undefined,
        },
      ],
    });
  }
  return { traces, burstAt: options.burstAt, strays: options.strays };
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}
