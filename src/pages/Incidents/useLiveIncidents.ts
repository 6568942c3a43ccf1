import type { LiveClient, LiveEvent } from '../../api/live';
import { useLiveTopic } from '../../api/liveHooks';
import type { Incident } from '../../api/types';
import type { IncidentList } from './useIncidentList';

function isIncident(value: unknown): value is Incident {
  const v = value as Partial<Incident> | null;
  return typeof v === 'object' && v !== null && typeof v.id === 'string' && typeof v.version === 'number';
}

/** The incident an `incidents` event carries: the object itself on created, `{ incident, changes }` on updated. */
export function incidentOf(event: LiveEvent): Incident | null {
  const data = event.data as { incident?: unknown } | null;
  const candidate = event.event === 'incident.updated' ? data?.incident : data;
  return isIncident(candidate) ? candidate : null;
}

/**
 * Keeps the incident list current from the live feed's `incidents` topic: every created or updated incident is
 * applied in place (useIncidentList.upsert); when the feed cannot say what was missed, the list is fetched again.
 */
export function useLiveIncidents(client: LiveClient | null, list: IncidentList): void {
  const { upsert, reload } = list;
  useLiveTopic(client, 'incidents', {
    onEvent: (event) => {
      const incident = incidentOf(event);
      if (incident) {
        upsert(incident);
      }
    },
    onResync: reload,
  });
}
