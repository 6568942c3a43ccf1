import type { Incident, Service } from '../api/types';

let seq = 0;

/** A complete Incident as the sidecar returns it; override what the test is about. */
export function makeIncident(overrides: Partial<Incident> = {}): Incident {
  seq += 1;
  const now = new Date().toISOString();
  return {
    id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
    reference: `INC-${seq}`,
    number: seq,
    title: `Incident ${seq}`,
    description: '',
    severity: 'high',
    status: 'open',
    commander: null,
    labels: {},
    services: [],
    startedAt: now,
    detectedAt: now,
    acknowledgedAt: null,
    resolvedAt: null,
    createdBy: 'admin',
    createdAt: now,
    updatedAt: now,
    version: 1,
    ...overrides,
  };
}

export function makeService(name: string, overrides: Partial<Service> = {}): Service {
  return {
    id: `svc-${name}`,
    name,
    team: 'payments',
    tier: 1,
    description: '',
    labels: { service: name },
    runbookUrl: null,
    queries: {},
    escalationPolicyId: null,
    escalationPolicies: {},
    ...overrides,
  };
}
