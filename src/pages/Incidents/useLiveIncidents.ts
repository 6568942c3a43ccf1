import { useEffect } from 'react';
import type { LiveClient, LiveEvent } from '../../api/live';
import { useLiveStatus, useLiveTopic } from '../../api/liveHooks';
import type { Incident } from '../../api/types';
import type { IncidentList } from './useIncidentList';

/** How soon a list that failed to load is fetched again while the live link is up. */
export const RETRY_FAILED_LOAD_MS = 3000;

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
 * A list whose load failed (the sidecar was unreachable, as during a restart) has nothing to patch: while the link
 * is up it is fetched again, at once when an event arrives and otherwise every few seconds, so "live updates
 * resumed" is true without a click on Retry.
 */
export function useLiveIncidents(client: LiveClient | null, list: IncidentList): void {
  const { upsert, reload } = list;
  const isFailed = list.state.phase === 'error';
  const isLinkUp = useLiveStatus(client).state === 'live';
  useLiveTopic(client, 'incidents', {
    onEvent: (event) => {
      if (isFailed) {
        reload();
        return;
      }
      const incident = incidentOf(event);
      if (incident) {
        upsert(incident);
      }
    },
    onResync: reload,
  });
  useEffect(() => {
    if (!isFailed || !isLinkUp) {
      return;
    }
    const timer = setTimeout(reload, RETRY_FAILED_LOAD_MS);
    return () => clearTimeout(timer);
  }, [isFailed, isLinkUp, reload]);
}
