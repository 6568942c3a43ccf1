/**
 * `ui`: in Chromium, the time from navigation to the first rows of the incidents page, with 100 and with 50,000
 * incidents in the database, in one run: the built plugin (dist/) in the host page (host/, Grafana's stand-in), a
 * real sidecar per database, one PostgreSQL server. Rounds alternate between the two sizes, each in a fresh browser
 * context (cold cache), so background load hits both alike; the medians are compared. Target: the large case at most
 * 1.5 × the small one. Also reports the list query's plan on the large database (it must use an index, not sort a
 * sequential scan), the API's own latency, and the sizes of dist/module.js and of the largest chunk.
 * Needs `npm run build` first and Chromium (CHROMIUM_PATH, default /usr/bin/chromium).
 * BENCH_UI_ROUNDS (7), BENCH_UI_SMALL (100) and BENCH_UI_LARGE (50000) change it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from '@playwright/test';
import postgres from 'postgres';
import { freePort } from '../test/support/net.js';
import type { BenchContext } from './run.js';
import { siblingDatabase } from './support/database.js';

const TARGET = 1.5;
const TOKEN = 'bench-admin-token-0123456789';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIST = path.join(ROOT, 'dist');
const ROW = '[data-testid="data-testid incidents row"]';
const ACTIVE = 'open,investigating,identified,monitoring';

interface Child {
  url: string;
  stop(): Promise<void>;
}

/** Starts a process and resolves once `ready` (an HTTP URL) answers 200. */
async function startChild(args: string[], cwd: string, env: Record<string, string>, ready: string): Promise<Child> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  for (const deadline = Date.now() + 60_000; ; ) {
    if ((await fetch(ready).catch(() => undefined))?.ok) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${args.join(' ')} did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url: new URL(ready).origin,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** One `insert … select generate_series`: one in ten active, the rest resolved, a minute apart, newest first. */
async function seed(url: string, count: number): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`
      insert into incidents (title, description, severity, status, created_by, started_at, detected_at, resolved_at)
      select 'Bench incident ' || n, 'Seeded for the ui bench', (array['critical','high','medium','low'])[1 + n % 4],
             case when n % 10 = 0 then (array['open','investigating','identified','monitoring'])[1 + (n / 10) % 4]
                  else 'resolved' end,
             'bench', now() - n * interval '1 minute', now() - n * interval '1 minute',
             case when n % 10 = 0 then null else now() - n * interval '1 minute' + interval '30 minutes' end
      from generate_series(1, ${count}::int) n`;
    await sql`analyze incidents`;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** The plan of the landing page's list query (the Active filter, newest first, one page plus one). */
async function listPlan(url: string): Promise<string> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql.unsafe(
      `explain select i.id from incidents i where i.status = any('{${ACTIVE}}'::text[])
       order by i.started_at desc, i.id desc limit 51`
    );
    return rows.map((r) => String(r['QUERY PLAN'])).join('\n');
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** ms from navigation start to the first incident row in the DOM, in a fresh (cold) browser context. */
async function timeToFirstRow(browser: Browser, url: string): Promise<number> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.addInitScript((selector) => {
      const w = window as unknown as { __firstRowAt?: number };
      new MutationObserver((_, observer) => {
        if (w.__firstRowAt === undefined && document.querySelector(selector)) {
          w.__firstRowAt = performance.now();
          observer.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    }, ROW);
    await page.goto(url, { waitUntil: 'commit' });
    await page.waitForSelector(ROW, { timeout: 60_000 });
    return await page.evaluate(() => (window as unknown as { __firstRowAt: number }).__firstRowAt);
  } finally {
    await context.close();
  }
}

async function apiLatency(sidecarUrl: string, rounds: number): Promise<number> {
  const times: number[] = [];
  for (let n = 0; n < rounds; n++) {
    const started = performance.now();
    const res = await fetch(`${sidecarUrl}/api/incidents?status=${ACTIVE}&limit=50`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    await res.json();
    times.push(performance.now() - started);
  }
  return median(times);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

function bundleSizes(): { entry: number; largest: { name: string; bytes: number } } {
  const chunks = readdirSync(DIST, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.js'))
    .map((name) => ({ name, bytes: statSync(path.join(DIST, name)).size }));
  const largest = chunks.filter((c) => c.name !== 'module.js').sort((a, b) => b.bytes - a.bytes)[0]!;
  return { entry: statSync(path.join(DIST, 'module.js')).size, largest };
}

export async function run({ database, report }: BenchContext): Promise<{ ok: boolean }> {
  if (!existsSync(path.join(DIST, 'module.js'))) {
    report('  dist/module.js is missing: run `npm run build` first');
    return { ok: false };
  }
  const rounds = Number(process.env.BENCH_UI_ROUNDS ?? 7);
  const sizes = { small: Number(process.env.BENCH_UI_SMALL ?? 100), large: Number(process.env.BENCH_UI_LARGE ?? 50_000) };
  const second = await siblingDatabase(database.url, 'large');
  const children: Child[] = [];
  let browser: Browser | undefined;
  try {
    const setups = { small: database.url, large: second.url };
    const pages: Record<'small' | 'large', { host: string; sidecar: string }> = {} as never;
    for (const [name, url] of Object.entries(setups) as Array<['small' | 'large', string]>) {
      const [sidecarPort, hostPort] = [await freePort(), await freePort()];
      const hostOrigin = `http://127.0.0.1:${hostPort}`;
      const env = {
        DATABASE_URL: url,
        PORT: String(sidecarPort),
        HOST: '127.0.0.1',
        STUDIO_ADMIN_TOKEN: TOKEN,
        STUDIO_DEMO_DATA: 'false',
        LOG_LEVEL: 'warn',
        RATE_LIMIT_PER_MINUTE: '0',
        LIVE_ALLOWED_ORIGINS: hostOrigin,
      };
      const sidecar = await startChild(['src/main.ts'], path.join(ROOT, 'backend'), env, `http://127.0.0.1:${sidecarPort}/health/ready`);
      children.push(sidecar);
      const started = performance.now();
      await seed(url, sizes[name]);
      report(`  ${name}: ${sizes[name].toLocaleString('en')} incidents seeded in ${Math.round(performance.now() - started)} ms`);
      const hostEnv = { HOST_PORT: String(hostPort), SIDECAR_URL: sidecar.url, STUDIO_ADMIN_TOKEN: TOKEN };
      children.push(await startChild(['host/server.ts'], ROOT, hostEnv, `${hostOrigin}/api/plugins/reliability-studio-app/settings`));
      pages[name] = { host: `${hostOrigin}/a/reliability-studio-app/incidents`, sidecar: sidecar.url };
    }

    const plan = await listPlan(second.url);
    const isIndexed = /Index/.test(plan) && !/Seq Scan/.test(plan);
    report(`  list query plan (${sizes.large.toLocaleString('en')} incidents): ${isIndexed ? 'index' : 'NOT INDEXED'}`);
    for (const line of plan.split('\n')) report(`    ${line}`);

    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
    // Warm-up: each host builds its shell and each sidecar plans its queries once; not counted.
    for (const name of ['small', 'large'] as const) await timeToFirstRow(browser, pages[name].host);
    const times: Record<'small' | 'large', number[]> = { small: [], large: [] };
    for (let n = 0; n < rounds; n++) {
      for (const name of n % 2 ? (['large', 'small'] as const) : (['small', 'large'] as const)) {
        times[name].push(await timeToFirstRow(browser, pages[name].host));
      }
    }
    const small = median(times.small);
    const large = median(times.large);
    const ratio = large / small;
    const api = { small: await apiLatency(pages.small.sidecar, 21), large: await apiLatency(pages.large.sidecar, 21) };
    const { entry, largest } = bundleSizes();
    report(`  navigation → first rows, median of ${rounds} cold loads each (Chromium, host page, proxy, sidecar, Postgres):`);
    report(`    ${sizes.small.toLocaleString('en')} incidents: ${small.toFixed(0)} ms   (all: ${times.small.map((t) => t.toFixed(0)).join(', ')})`);
    report(`    ${sizes.large.toLocaleString('en')} incidents: ${large.toFixed(0)} ms   (all: ${times.large.map((t) => t.toFixed(0)).join(', ')})`);
    report(`    ratio ${ratio.toFixed(2)} (target ≤ ${TARGET})`);
    report(`  GET /api/incidents (Active, 50), median of 21: ${api.small.toFixed(1)} ms / ${api.large.toFixed(1)} ms`);
    report(`  dist/module.js ${kb(entry)}; largest chunk ${largest.name} ${kb(largest.bytes)}`);
    const ok = ratio <= TARGET && isIndexed;
    report(`  ${ok ? 'PASS' : 'FAIL'}`);
    return { ok };
  } finally {
    await browser?.close();
    for (const child of children.reverse()) await child.stop();
    await second.drop();
  }
}
