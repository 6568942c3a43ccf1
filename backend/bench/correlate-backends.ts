/**
 * The `correlate` bench's fake Prometheus, Loki and Tempo, in their own process (as real backends are elsewhere:
 * their work must not share the measured event loop). Each answers every request after LATENCY_MS: Prometheus with
 * a generated matrix, Loki and Tempo with the real payload fixtures (test/support/fixtures.ts). IPC: sends
 * `{type: 'ready', urls}`; on `{type: 'hang', backend}` that backend accepts requests and never answers.
 */
import { createServer } from 'node:http';
import { fixture } from '../test/support/fixtures.js';

const LATENCY_MS = Number(process.env.BENCH_CORRELATE_LATENCY_MS ?? 200);
const LOKI_MATRIX = fixture('loki/loki-matrix-nan.json');
const LOKI_STREAMS = fixture('loki/loki-streams-with-stats.json');
const TEMPO_SEARCH = fixture('tempo/tempo-search-response.json');

export type BackendName = 'prometheus' | 'loki' | 'tempo';
export type BackendsMessage = { type: 'ready'; urls: Record<BackendName, string> };
export type BackendsCommand = { type: 'hang'; backend: BackendName };

/** A Prometheus matrix over the asked range: flat, then a step up in the last fifth. */
function prometheusMatrix(params: URLSearchParams): string {
  const start = Number(params.get('start'));
  const end = Number(params.get('end'));
  const step = Number(params.get('step'));
  const values: Array<[number, string]> = [];
  for (let t = start; t <= end; t += step) values.push([t, String(t > end - (end - start) / 5 ? 0.3 : 0.01)]);
  return JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values }] } });
}

const ANSWERS: Record<BackendName, (params: URLSearchParams) => string> = {
  prometheus: prometheusMatrix,
  loki: (params) => (params.has('step') ? LOKI_MATRIX : LOKI_STREAMS),
  tempo: () => TEMPO_SEARCH,
};

const hanging = new Set<BackendName>();

async function start(name: BackendName): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (hanging.has(name)) return;
      const url = new URL(req.url ?? '/', 'http://fake');
      const params = new URLSearchParams([...url.searchParams, ...new URLSearchParams(body)]);
      const answer = ANSWERS[name](params);
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(answer), LATENCY_MS);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

const urls = {
  prometheus: await start('prometheus'),
  loki: await start('loki'),
  tempo: await start('tempo'),
};
process.on('message', (command: BackendsCommand) => {
  if (command.type === 'hang') hanging.add(command.backend);
});
process.on('disconnect', () => process.exit(0));
process.send!({ type: 'ready', urls } satisfies BackendsMessage);
