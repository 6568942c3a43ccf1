/** One request as the load generator saw it. */
export interface Outcome {
  /** Date.now() when it was sent. */
  at: number;
  /** HTTP status; 0 when no response came (see `error`). */
  status: number;
  ms: number;
  code?: string;
  retryAfter?: string | null;
  /** The parsed JSON body of a 2xx. */
  body?: any;
  /** Transport failure: ECONNREFUSED (never reached the server), ECONNRESET/other (cut), TIMEOUT (hung). */
  error?: string;
}

export interface RequestOptions {
  method?: string;
  token?: string;
  json?: unknown;
  /** Client-side bound: past it the request counts as hung (error TIMEOUT). */
  timeoutMs?: number;
}

const transportCode = (err: unknown): string => {
  if ((err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError') return 'TIMEOUT';
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
};

/**
 * Sends one request and records its outcome; never throws. Reading the whole body is part of it, so a response
 * cut in the middle shows up as an error, not as a status.
 */
export async function send(url: string, options: RequestOptions = {}): Promise<Outcome> {
  const at = Date.now();
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.json !== undefined) headers['content-type'] = 'application/json';
  try {
    const res = await fetch(url, {
      method: options.method ?? (options.json !== undefined ? 'POST' : 'GET'),
      headers,
      body: options.json !== undefined ? JSON.stringify(options.json) : undefined,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    let body: any;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    return {
      at,
      status: res.status,
      ms: Date.now() - at,
      code: body?.error?.code,
      retryAfter: res.headers.get('retry-after'),
      body: res.ok ? body : undefined,
    };
  } catch (err) {
    return { at, status: 0, ms: Date.now() - at, error: transportCode(err) };
  }
}

/** The q-quantile (0..1) of `values` (nearest rank); NaN for none. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** "201×120 503×40 ECONNRESET×1": a compact count of statuses and errors. */
export function tally(outcomes: Outcome[]): string {
  const counts = new Map<string, number>();
  for (const o of outcomes) {
    const key = o.error ?? String(o.status);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].map(([k, n]) => `${k}×${n}`).join(' ') || 'none';
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `step` in `concurrency` loops until `signal` aborts or `isRunning()` turns false, pausing `pauseMs`
 * between steps of one loop. Resolves once every loop has finished its current step.
 */
export async function loops(
  concurrency: number,
  step: (loop: number, n: number) => Promise<void>,
  options: { isRunning: () => boolean; signal: AbortSignal; pauseMs?: number }
): Promise<void> {
  await Promise.all(
    Array.from({ length: concurrency }, async (_, loop) => {
      for (let n = 0; options.isRunning() && !options.signal.aborted; n++) {
        await step(loop, n);
        if (options.pauseMs) await sleep(options.pauseMs);
      }
    })
  );
}
