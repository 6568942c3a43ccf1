/**
 * The studio watching itself, with the real tools: promtool and amtool accept the repository's configs, a real
 * Prometheus running the repository's scrape config and rules scrapes a real sidecar and evaluates every rule, the
 * dashboards ask only for metrics the sidecar exports, and an alert that fires travels through a real Alertmanager
 * into the sidecar's intake and opens an incident about the studio itself.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parser } from '@prometheus-io/lezer-promql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { freePort } from './support/net.js';
import { eventually, PROMETHEUS_BIN, PROMTOOL_BIN, shouldRunPrometheusTests } from './support/prometheusServer.js';
import { startSidecarProcess, type SidecarProcess } from './support/sidecarProcess.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PROVISIONING = path.join(REPO, 'provisioning');
const ALERTMANAGER_BIN = process.env.ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';
const AMTOOL_BIN = process.env.AMTOOL_BIN ?? '/usr/bin/amtool';
/** Like the Prometheus tests: always in CI (missing binaries fail), elsewhere only where Debian's package is installed. */
const shouldRunAlertmanagerTests = process.env.CI === 'true' || (existsSync(ALERTMANAGER_BIN) && existsSync(AMTOOL_BIN));
const ADMIN_TOKEN = 'stack-test-admin-token-0123456789';
const INTAKE_TOKEN = 'stack-test-intake-token-0123456789';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
const rulesFile = () => parse(readFileSync(path.join(PROVISIONING, 'prometheus/rules.yml'), 'utf8')) as { groups: Array<{ name: string; rules: Rule[] }> };
const rules = () => rulesFile().groups.flatMap((g) => g.rules);

function run(bin: string, args: string[]) {
  const result = spawnSync(bin, args, { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}${result.error?.message ?? ''}` };
}

/** The metric names a PromQL expression selects, read with Prometheus' own grammar. */
function metricNames(expr: string): string[] {
  const names: string[] = [];
  const cursor = parser.parse(expr).cursor();
  do {
    if (cursor.name === '⚠') throw new Error(`not PromQL: ${expr}`);
    if (cursor.name === 'VectorSelector') {
      const metric = cursor.node.getChild('Identifier');
      if (metric) names.push(expr.slice(metric.from, metric.to));
    }
  } while (cursor.next());
  return names;
}

/** Every PromQL expression in the provisioned dashboards. */
function dashboardQueries(): Array<{ dashboard: string; expr: string }> {
  const dir = path.join(PROVISIONING, 'dashboards/json');
  return readdirSync(dir).flatMap((file) => {
    const dashboard = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as {
      panels: Array<{ datasource?: { type: string }; targets?: Array<{ expr?: string }> }>;
    };
    return dashboard.panels
      .filter((p) => p.datasource?.type === 'prometheus')
      .flatMap((p) => (p.targets ?? []).filter((t) => t.expr).map((t) => ({ dashboard: file, expr: t.expr! })));
  });
}

/** Names of every series family in an exposition text, histogram and summary suffixes included. */
function exportedNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name! + suffix);
    if (type === 'summary') for (const suffix of ['_sum', '_count']) names.add(name! + suffix);
  }
  return names;
}

describe('the repository’s Prometheus and Alertmanager files', () => {
  it.runIf(shouldRunPrometheusTests)('pass promtool', () => {
    const config = run(PROMTOOL_BIN, ['check', 'config', path.join(PROVISIONING, 'prometheus/prometheus.yml')]);
    expect(config.status, config.output).toBe(0);
    const checked = run(PROMTOOL_BIN, ['check', 'rules', path.join(PROVISIONING, 'prometheus/rules.yml')]);
    expect(checked.status, checked.output).toBe(0);
    expect(checked.output).toContain(`SUCCESS: ${rules().length} rules found`);
  });

  it.runIf(shouldRunAlertmanagerTests)('pass amtool', () => {
    const checked = run(AMTOOL_BIN, ['check-config', path.join(PROVISIONING, 'alertmanager/alertmanager.yml')]);
    expect(checked.status, checked.output).toBe(0);
  });

  it('give every alert a severity the studio knows and a runbook page that exists', () => {
    expect(rules().length).toBeGreaterThanOrEqual(6);
    for (const rule of rules()) {
      expect(['critical', 'high', 'medium', 'low'], rule.alert).toContain(rule.labels.severity);
      const url = rule.annotations.runbook_url ?? '';
      const page = /\/docs\/runbooks\/([\w-]+\.md)$/.exec(url)?.[1];
      expect(page, `${rule.alert}: runbook_url ${url}`).toBeDefined();
      const file = path.join(REPO, 'docs/runbooks', page!);
      expect(existsSync(file), `${rule.alert}: ${file}`).toBe(true);
      expect(readFileSync(file, 'utf8'), `${rule.alert}'s runbook`).toContain(rule.alert);
    }
  });
});

describe.runIf(shouldRunPrometheusTests && shouldRunAlertmanagerTests)('a real Prometheus with the repository’s config, scraping a real sidecar', () => {
  let dir: string;
  let dataDir: string;
  let sidecar: SidecarProcess;
  let workload: ChildProcess;
  let workloadPort: number;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'studio-stack-'));
    // As root the embedded Postgres runs as the postgres user, which must be able to enter this folder.
    await chmod(dir, 0o755);
    // The embedded Postgres, so the data-directory metrics (disk alert) exist too.
    dataDir = path.join(dir, 'sidecar-data');
    sidecar = await startSidecarProcess(undefined, ADMIN_TOKEN, {
      STUDIO_DATA_DIR: dataDir,
      EMBEDDED_PG_PORT: String(await freePort()),
      STUDIO_INTAKE_TOKEN: INTAKE_TOKEN,
      // Nothing listens there: SLO status calls fail, and the breaker in front of Prometheus opens.
      PROMETHEUS_URL: `http://127.0.0.1:${await freePort()}`,
      TELEMETRY_RETRIES: '0',
      TELEMETRY_BREAKER_HALF_OPEN_MS: '600000',
      LOG_LEVEL: 'warn',
    });
    workloadPort = await freePort();
    workload = spawn(process.execPath, [path.join(REPO, 'demo/workload.mjs')], {
      env: { ...process.env, PORT: String(workloadPort), LOKI_URL: 'http://127.0.0.1:9', OTLP_URL: 'http://127.0.0.1:9' },
      stdio: 'ignore',
    });
    children.push(workload);
    await eventually(async () => (await fetch(`http://127.0.0.1:${workloadPort}/metrics`)).ok, 10_000, 'the demo workload');
  }, 90_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    await sidecar?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Starts a process and waits until `readyUrl` answers 200. */
  async function startProcess(bin: string, args: string[], readyUrl: string): Promise<ChildProcess> {
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
    children.push(child);
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`${bin} exited: ${stderr}`);
      return (await fetch(readyUrl)).ok;
    }, 30_000, `${bin} ready`).catch((err) => {
      throw new Error(`${err.message}: ${stderr}`);
    });
    return child;
  }

  /**
   * The repository's prometheus.yml and rules.yml with only what a test must change: targets and Alertmanager
   * addresses (compose service names → local ports), faster intervals, and `for` shortened so alerts fire in
   * seconds. Expressions, labels and annotations stay the repository's own.
   */
  async function writePrometheusConfig(alertmanagerPort: number): Promise<string> {
    const config = parse(readFileSync(path.join(PROVISIONING, 'prometheus/prometheus.yml'), 'utf8'));
    const local: Record<string, string> = {
      'reliability-studio-sidecar': new URL(sidecar.url).host,
      'demo-workload': `127.0.0.1:${workloadPort}`,
    };
    config.global = { ...config.global, scrape_interval: '1s', evaluation_interval: '1s' };
    config.alerting.alertmanagers[0].static_configs[0].targets = [`127.0.0.1:${alertmanagerPort}`];
    config.scrape_configs = config.scrape_configs
      .filter((job: { job_name: string }) => local[job.job_name])
      .map((job: { job_name: string }) => ({ ...job, static_configs: [{ targets: [local[job.job_name]] }] }));
    const rules = rulesFile();
    for (const group of rules.groups) for (const rule of group.rules) if (rule.for) rule.for = '0s';
    await writeFile(path.join(dir, 'rules.yml'), stringify(rules));
    await writeFile(path.join(dir, 'prometheus.yml'), stringify(config));
    return path.join(dir, 'prometheus.yml');
  }

  /** The repository's alertmanager.yml, sending to the local sidecar with the token from a file as in compose. */
  async function writeAlertmanagerConfig(): Promise<string> {
    const config = parse(readFileSync(path.join(PROVISIONING, 'alertmanager/alertmanager.yml'), 'utf8'));
    config.route = { ...config.route, group_wait: '0s', group_interval: '1s' };
    const webhook = config.receivers[0].webhook_configs[0];
    webhook.url = `${sidecar.url}/api/integrations/alertmanager`;
    const tokenFile = path.join(dir, 'studio_intake_token');
    await writeFile(tokenFile, INTAKE_TOKEN);
    webhook.http_config.authorization.credentials_file = tokenFile;
    await writeFile(path.join(dir, 'alertmanager.yml'), stringify(config));
    return path.join(dir, 'alertmanager.yml');
  }

  it('dashboards and rules ask only for metrics the sidecar exports', async () => {
    const sidecarText = await fetch(`${sidecar.url}/metrics`).then((r) => r.text());
    // The workload counts its first requests a second after it starts.
    const workloadText = await eventually(async () => {
      const text = await fetch(`http://127.0.0.1:${workloadPort}/metrics`).then((r) => r.text());
      return text.includes('service="checkout"') && text;
    }, 10_000, 'the workload’s first requests');
    const exported = exportedNames(sidecarText);
    expect(exported.has('data_dir_free_bytes')).toBe(true);
    const prometheusOwn = new Set(['up']);
    const queries = [
      ...dashboardQueries(),
      ...rules().map((r) => ({ dashboard: 'rules.yml', expr: r.expr })),
    ];
    expect(queries.length).toBeGreaterThan(15);
    const names = new Set(queries.flatMap(({ expr }) => metricNames(expr)));
    // The parser really finds selectors: the dashboards' core series are among them.
    expect([...names]).toEqual(expect.arrayContaining(['http_requests_total', 'dependency_circuit_state', 'live_connections']));
    for (const { dashboard, expr } of queries) {
      for (const name of metricNames(expr)) {
        expect(exported.has(name) || prometheusOwn.has(name), `${dashboard}: ${name} in ${expr}`).toBe(true);
      }
    }
    // The demo workload serves what the default query templates ask for.
    expect(workloadText).toMatch(/^http_requests_total\{service="checkout",code="200"\} \d+$/m);
    expect(workloadText).toMatch(/^http_request_duration_seconds_bucket\{service="payments-api",le="\+Inf"\} \d+$/m);
  });

  it('scrapes the sidecar, evaluates every rule, and an alert that fires opens an incident about the studio', async () => {
    const alertmanagerPort = await freePort();
    await startProcess(
      ALERTMANAGER_BIN,
      [
        `--config.file=${await writeAlertmanagerConfig()}`,
        `--storage.path=${path.join(dir, 'alertmanager')}`,
        `--web.listen-address=127.0.0.1:${alertmanagerPort}`,
        `--cluster.listen-address=`,
        '--log.level=warn',
      ],
      `http://127.0.0.1:${alertmanagerPort}/-/ready`
    );
    const prometheusPort = await freePort();
    const prometheus = `http://127.0.0.1:${prometheusPort}`;
    await startProcess(
      PROMETHEUS_BIN,
      [
        `--config.file=${await writePrometheusConfig(alertmanagerPort)}`,
        `--storage.tsdb.path=${path.join(dir, 'prometheus')}`,
        `--web.listen-address=127.0.0.1:${prometheusPort}`,
        '--log.level=warn',
      ],
      `${prometheus}/-/ready`
    );
    const query = async (expr: string) => {
      const body = (await (await fetch(`${prometheus}/api/v1/query?${new URLSearchParams({ query: expr })}`)).json()) as {
        data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
      };
      return body.data.result;
    };

    // Both jobs of the repository's scrape config are up, and the sidecar's own metrics arrive.
    await eventually(async () => (await query('up == 1')).length === 2, 30_000, 'both targets up');
    await eventually(async () => (await query('http_requests_total{job="reliability-studio-sidecar"}')).length > 0, 10_000, 'sidecar metrics');

    // Every rule of the repository evaluates without error.
    const ruleHealth = await eventually(async () => {
      const body = (await (await fetch(`${prometheus}/api/v1/rules`)).json()) as {
        data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> };
      };
      const all = body.data.groups.flatMap((g) => g.rules);
      return all.length === rules().length && all.every((r) => r.health !== 'unknown') ? all : undefined;
    }, 20_000, 'every rule evaluated');
    for (const rule of ruleHealth) expect(rule.health, `${rule.name}: ${rule.lastError}`).toBe('ok');

    // The operator's self-monitoring policy: any alert about the studio opens an incident.
    const api = (p: string, init: RequestInit = {}) =>
      fetch(`${sidecar.url}/api${p}`, {
        ...init,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...init.headers },
      });
    const rule = await api('/alert-rules', {
      method: 'POST',
      body: JSON.stringify({
        name: 'studio self-monitoring',
        position: 1,
        matchers: [{ name: 'service', value: 'reliability-studio' }],
        promoteSeverities: ['critical', 'high', 'medium', 'low'],
      }),
    });
    expect(rule.status, await rule.clone().text()).toBe(201);

    // Prometheus (the dependency) is down: SLO status calls fail until the sidecar's breaker opens.
    expect((await api('/services', { method: 'POST', body: JSON.stringify({ name: 'checkout' }) })).status).toBe(201);
    const slo = await api('/slos', {
      method: 'POST',
      body: JSON.stringify({
        service: 'checkout',
        name: 'availability',
        objective: 99.9,
        sli: { type: 'ratio', good: 'sum(rate(ok_total[{{window}}]))', total: 'sum(rate(all_total[{{window}}]))' },
        window: { type: 'rolling', days: 28 },
      }),
    });
    expect(slo.status, await slo.clone().text()).toBe(201);
    const sloId = ((await slo.json()) as { id: string }).id;
    for (let i = 0; i < 6; i++) await api(`/slos/${sloId}/status`);
    await eventually(
      async () => (await query('dependency_circuit_state{dependency="prometheus"} == 2')).length === 1,
      15_000,
      'the breaker open, as Prometheus sees it'
    );

    // StudioDependencyBreakerOpen fires, Alertmanager delivers it, and the studio opens an incident about itself.
    const incident = await eventually(async () => {
      const res = await api('/incidents?status=open');
      const { items } = (await res.json()) as { items: Array<{ id: string; title: string; labels: Record<string, string> }> };
      return items.find((i) => i.labels.alertname === 'StudioDependencyBreakerOpen');
    }, 60_000, 'the incident about the studio');
    expect(incident.labels).toMatchObject({ service: 'reliability-studio', dependency: 'prometheus' });
    const alerts = await (await api(`/incidents/${incident.id}/alerts`)).json();
    expect(alerts.items[0]).toMatchObject({ source: 'alertmanager', status: 'firing' });
    expect(alerts.items[0].annotations.runbook_url).toMatch(/docs\/runbooks\/studio-dependency-breaker-open\.md$/);
  }, 150_000);
});
