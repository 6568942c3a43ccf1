/**
 * The compose stack as far as it can be checked without a Docker engine: the structure that makes
 * `docker compose up` come up in order, healthy, with files that exist and secrets that stay out of the repo.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const read = (file: string) => readFileSync(path.join(REPO, file), 'utf8');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  secrets?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] | string; interval?: string };
}
const compose = parse(read('docker-compose.yml')) as {
  services: Record<string, ComposeService>;
  secrets: Record<string, { environment?: string; file?: string }>;
  volumes: Record<string, unknown>;
};
const services = compose.services;

/** Every plugin id the repository builds: the app and the panels bundled in it. */
function pluginIds(): string[] {
  const ids = [JSON.parse(read('src/plugin.json')).id as string];
  const panels = path.join(REPO, 'src/panels');
  if (existsSync(panels)) {
    for (const dir of readdirSync(panels)) {
      const file = path.join(panels, dir, 'plugin.json');
      if (existsSync(file)) ids.push(JSON.parse(readFileSync(file, 'utf8')).id);
    }
  }
  return ids;
}

describe('docker-compose.yml', () => {
  it('runs the whole stack of the design', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['alertmanager', 'demo-workload', 'grafana', 'loki', 'postgres', 'prometheus', 'sidecar', 'tempo'].sort()
    );
  });

  it('gives every service a health check that probes something', () => {
    for (const [name, service] of Object.entries(services)) {
      const test = service.healthcheck?.test;
      expect(test, `${name} has no healthcheck`).toBeDefined();
      expect(JSON.stringify(test), `${name}'s healthcheck probes nothing`).toMatch(/ready|health|pg_isready|metrics/);
    }
  });

  it('starts services only after what they need is healthy, in the order of the design', () => {
    const needs = (name: string) => services[name]!.depends_on ?? {};
    for (const [name, service] of Object.entries(services)) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        expect(services[dependency], `${name} depends on unknown ${dependency}`).toBeDefined();
        expect(condition, `${name} → ${dependency}`).toBe('service_healthy');
      }
    }
    expect(Object.keys(needs('sidecar'))).toEqual(['postgres']);
    expect(Object.keys(needs('grafana')).sort()).toEqual(['loki', 'prometheus', 'sidecar', 'tempo']);
    expect(Object.keys(needs('alertmanager'))).toContain('sidecar');
    expect(Object.keys(needs('demo-workload')).sort()).toEqual(['loki', 'tempo']);
  });

  it('mounts only files and folders that exist in the repository', () => {
    const binds = Object.values(services).flatMap((s) => (s.volumes ?? []).filter((v) => v.startsWith('./')));
    expect(binds.length).toBeGreaterThan(5);
    for (const bind of binds) {
      const source = bind.split(':')[0]!;
      expect(existsSync(path.join(REPO, source)), `${bind} mounts a missing path`).toBe(true);
    }
    for (const service of Object.values(services)) {
      if (service.build) expect(existsSync(path.join(REPO, service.build.context, service.build.dockerfile))).toBe(true);
    }
  });

  it('pins every image to a version', () => {
    for (const [name, service] of Object.entries(services)) {
      if (!service.image) continue;
      expect(service.image, name).toMatch(/:[\w.-]*\d[\w.-]*$/);
      expect(service.image, name).not.toMatch(/:latest$/);
    }
    expect(read('grafana.Dockerfile')).toMatch(/^FROM grafana\/grafana:\d+\.\d+\.\d+/m);
  });

  it('publishes the ports the README names', () => {
    const published = Object.fromEntries(
      Object.entries(services).map(([name, s]) => [name, (s.ports ?? []).map((p) => p.split(':')[0])])
    );
    expect(published).toMatchObject({
      grafana: ['3000'],
      sidecar: ['9000'],
      prometheus: ['9090'],
      alertmanager: ['9093'],
      loki: ['3100'],
    });
  });

  it('lets Grafana load exactly the plugins this repository builds, unsigned', () => {
    const allowed = services.grafana!.environment!.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS!.split(',');
    expect(allowed.sort()).toEqual(pluginIds().sort());
    const apps = parse(read('provisioning/plugins/apps.yaml')) as { apps: Array<{ type: string }> };
    expect(apps.apps.map((a) => a.type)).toEqual([pluginIds()[0]]);
  });

  it('takes every secret from .env and documents each one in .env.example', () => {
    const example = read('.env.example');
    const secretNames = ['POSTGRES_PASSWORD', 'STUDIO_ADMIN_TOKEN', 'STUDIO_INTAKE_TOKEN', 'GRAFANA_ADMIN_PASSWORD'];
    const text = read('docker-compose.yml');
    for (const name of secretNames) {
      expect(example, `${name} missing from .env.example`).toMatch(new RegExp(`^${name}=`, 'm'));
      // Required, with no default: a stack never starts on a secret from the repository.
      expect(text, `${name} must be required (\${${name}:?...})`).toContain(`\${${name}:?`);
    }
    expect(existsSync(path.join(REPO, '.env'))).toBe(false);
    expect(read('.gitignore')).toMatch(/^\.env$/m);
    // Alertmanager reads the intake token from the compose secret, not from its config file.
    expect(compose.secrets.studio_intake_token).toEqual({ environment: 'STUDIO_INTAKE_TOKEN' });
    expect(services.alertmanager!.secrets).toEqual(['studio_intake_token']);
    expect(read('provisioning/alertmanager/alertmanager.yml')).toContain('/run/secrets/studio_intake_token');
  });

  it('points the sidecar at the stack’s telemetry and the provisioned datasource uids', () => {
    const env = services.sidecar!.environment!;
    const datasources = parse(read('provisioning/datasources/datasources.yaml')) as {
      datasources: Array<{ uid: string; type: string; url: string }>;
    };
    const uid = (type: string) => datasources.datasources.find((d) => d.type === type)!.uid;
    expect(env).toMatchObject({
      PROMETHEUS_URL: 'http://prometheus:9090',
      LOKI_URL: 'http://loki:3100',
      TEMPO_URL: 'http://tempo:3200',
      PROMETHEUS_DATASOURCE_UID: uid('prometheus'),
      LOKI_DATASOURCE_UID: uid('loki'),
      TEMPO_DATASOURCE_UID: uid('tempo'),
    });
  });
});

describe('provisioning', () => {
  it('gives the app the datasource uids that are provisioned, and dashboards only panels that exist', () => {
    const datasources = parse(read('provisioning/datasources/datasources.yaml')) as { datasources: Array<{ uid: string; type: string }> };
    const app = (parse(read('provisioning/plugins/apps.yaml')) as { apps: Array<{ jsonData: Record<string, string> }> }).apps[0]!;
    for (const type of ['prometheus', 'loki', 'tempo']) {
      expect(app.jsonData[`${type}Uid`], type).toBe(datasources.datasources.find((d) => d.type === type)!.uid);
    }
    const known = new Set(['timeseries', 'stat', ...pluginIds()]);
    const dir = path.join(REPO, 'provisioning/dashboards/json');
    const panelTypes = readdirSync(dir).flatMap((file) =>
      (JSON.parse(readFileSync(path.join(dir, file), 'utf8')).panels as Array<{ type: string }>).map((p) => p.type)
    );
    for (const type of panelTypes) expect(known, type).toContain(type);
    // The bundled panel is on a provisioned dashboard.
    expect(panelTypes).toContain(pluginIds()[1]);
  });
});

describe('backend/Dockerfile', () => {
  const dockerfile = read('backend/Dockerfile');

  it('builds in one stage and runs from another, as a non-root user, with production dependencies only', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/npm ci .*--omit=dev/);
  });

  it('reports health from /health/ready', () => {
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/health\/ready/);
  });
});
