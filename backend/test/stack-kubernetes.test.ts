/** The Kubernetes example: probes on the endpoints made for them, limits, a disruption budget that matches. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const DIR = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));
const load = (file: string) => parse(readFileSync(path.join(DIR, file), 'utf8'));

describe('deploy/kubernetes', () => {
  const kustomization = load('kustomization.yaml') as { resources: string[] };
  const byKind = Object.fromEntries(kustomization.resources.map((file) => [load(file).kind as string, load(file)]));
  const deployment = byKind.Deployment;
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];

  it('lists every manifest of the folder', () => {
    expect(Object.keys(byKind).sort()).toEqual(['ConfigMap', 'Deployment', 'Namespace', 'PodDisruptionBudget', 'Service']);
  });

  it('probes startup, liveness and readiness on the endpoints made for each', () => {
    expect(container.startupProbe.httpGet.path).toBe('/health/startup');
    expect(container.livenessProbe.httpGet.path).toBe('/health/live');
    expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
    const port = container.ports.find((p: { name: string }) => p.name === 'http').containerPort;
    expect(port).toBe(9000);
  });

  it('bounds resources and runs unprivileged', () => {
    expect(container.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources.limits).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
  });

  it('keeps a replica serving through rollouts and node drains', () => {
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    const pdb = byKind.PodDisruptionBudget;
    expect(pdb.spec.minAvailable).toBeGreaterThanOrEqual(1);
    const labels = deployment.spec.template.metadata.labels;
    expect(pdb.spec.selector.matchLabels).toEqual(labels);
    expect(byKind.Service.spec.selector).toEqual(labels);
    expect(deployment.spec.selector.matchLabels).toEqual(labels);
  });

  it('gives a drained pod time to finish: grace period beyond the drain delay and the shutdown bound', () => {
    const env = byKind.ConfigMap.data;
    const needed = (Number(env.SHUTDOWN_DRAIN_DELAY_MS) + Number(env.SHUTDOWN_TIMEOUT_MS)) / 1000;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(needed);
  });

  it('keeps secrets out of the ConfigMap', () => {
    const keys = Object.keys(byKind.ConfigMap.data);
    for (const secret of ['DATABASE_URL', 'STUDIO_ADMIN_TOKEN', 'STUDIO_INTAKE_TOKEN', 'METRICS_TOKEN']) {
      expect(keys).not.toContain(secret);
    }
    expect(container.envFrom).toContainEqual({ secretRef: { name: 'reliability-studio-secrets' } });
  });
});
