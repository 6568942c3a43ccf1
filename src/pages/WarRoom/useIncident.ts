import { useCallback } from 'react';
import { getIncident } from '../../api/client';
import type { ApiError } from '../../api/errors';
import { getImpact } from '../../api/evidence';
import type { ImpactedService, Incident, ServiceImpact } from '../../api/types';
import { useResource } from './useResource';

export interface IncidentState {
  incident: Incident | null;
  /** From GET /impact, or the incident's declared services until (or if) that answers. */
  services: ServiceImpact[];
  error: ApiError | null;
  isLoading: boolean;
  reload: () => void;
  /** Takes an incident from a PATCH answer, a 409's details.current or the live feed; older versions are ignored. */
  apply: (incident: Incident) => void;
}

const declared = (s: ImpactedService): ServiceImpact => ({
  service: s.name,
  serviceId: s.id,
  impact: s.impact,
  reasons: ['declared'],
  alerts: 0,
  findings: 0,
  topScore: null,
});

const newer = (held: Incident | null, next: Incident) => (held && held.version > next.version ? held : next);

/**
 * One incident for the war room (the page is keyed by id, so this hook lives for one incident), kept at its newest
 * version whichever way that version arrives.
 */
export function useIncident(id: string): IncidentState {
  const incident = useResource((signal) => getIncident(id, { signal }), newer);
  // Impact is extra: when it is absent or fails, the header shows the incident's own services.
  const impact = useResource((signal) => getImpact(id, { signal }).catch(() => null));
  const { setValue: setIncident, reload: reloadIncident } = incident;
  const { reload: reloadImpact } = impact;

  const apply = useCallback((next: Incident) => setIncident((held) => newer(held, next)), [setIncident]);
  const reload = useCallback(() => {
    reloadIncident();
    reloadImpact();
  }, [reloadIncident, reloadImpact]);

  const current = incident.value;
  const services = impact.value ?? (current?.services ?? []).map(declared);
  return { incident: current, services, error: incident.error, isLoading: incident.isLoading, reload, apply };
}
