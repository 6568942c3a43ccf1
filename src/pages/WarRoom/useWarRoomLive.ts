import { useEffect } from 'react';
import type { LiveEvent, LiveStatus } from '../../api/live';
import { useLiveClient, useLiveStatus, useLiveTopic } from '../../api/liveHooks';
import type { Incident } from '../../api/types';
import { incidentOf } from '../Incidents/useLiveIncidents';
import type { CorrelationsState } from './useCorrelations';
import type { EscalationState } from './useEscalation';
import { isHypothesis, type HypothesesState } from './useHypotheses';
import type { IncidentState } from './useIncident';
import { isTimelineEvent, type TimelineState } from './useTimeline';

/** How often the war room refreshes itself while the live feed is unavailable. */
export const POLL_INTERVAL_MS = 15_000;

export interface WarRoomParts {
  incident: IncidentState;
  timeline: TimelineState;
  correlations: CorrelationsState;
  hypotheses: HypothesesState;
  paging: EscalationState;
}

/** Entries that mean the paging changed: a step fired, a page was delivered or failed, someone acknowledged. */
const PAGING_ENTRIES = new Set(['escalation', 'notification', 'acknowledged']);

/**
 * Keeps every part of the war room current: `incident:<id>` carries the timeline (and correlation runs), the
 * `incidents` topic the incident itself. While the live link is off or down the page polls instead, and says so.
 */
export function useWarRoomLive(id: string, parts: WarRoomParts): { status: LiveStatus; refresh: () => void } {
  const client = useLiveClient();
  const status = useLiveStatus(client);
  const { incident, timeline, correlations, hypotheses, paging } = parts;

  const reloadAll = () => {
    incident.reload();
    timeline.reload();
    correlations.reload();
    hypotheses.reload();
    paging.reload();
  };

  const addEntry = (entry: unknown) => {
    if (!isTimelineEvent(entry)) {
      return;
    }
    timeline.add(entry);
    if (entry.type === 'hypothesis_added' || entry.type === 'hypothesis_decided') {
      const h = entry.data?.hypothesis;
      if (isHypothesis(h)) {
        hypotheses.upsert(h);
      } else {
        hypotheses.reload();
      }
    }
    if (entry.type === 'correlation_found') {
      correlations.reload();
    }
    // The entry says what happened; the escalation has the whole picture (pages, delivery states, next step).
    if (PAGING_ENTRIES.has(entry.type)) {
      paging.reload();
    }
  };

  useLiveTopic(client, `incident:${id}`, {
    onEvent: (event: LiveEvent) => {
      const data = event.data as Record<string, unknown> | null;
      if (event.event === 'timeline.added') {
        addEntry(data);
      } else if (event.event === 'timeline.batch' && Array.isArray(data?.entries)) {
        // Several entries from one change (an alert storm on this incident), in timeline order.
        data.entries.forEach(addEntry);
      } else if (event.event === 'correlation.completed') {
        // Fetch the result rather than trust the event's payload: the findings list may be trimmed in the event.
        correlations.reload();
      } else if (event.event.startsWith('hypothesis.')) {
        hypotheses.reload();
      } else if (event.event === 'incident.updated') {
        const updated = incidentOf(event);
        if (updated?.id === id) {
          incident.apply(updated);
        }
      }
    },
    onResync: reloadAll,
  });

  useLiveTopic(client, 'incidents', {
    onEvent: (event) => {
      const updated: Incident | null = incidentOf(event);
      if (updated?.id === id) {
        incident.apply(updated);
      }
    },
  });

  const isPolling = status.state === 'off' || status.state === 'down';
  useEffect(() => {
    if (!isPolling) {
      return;
    }
    const timer = setInterval(reloadAll, POLL_INTERVAL_MS);
    return () => clearInterval(timer);
    // reloadAll changes every render; the reload functions it calls are stable per incident.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [isPolling, id]);

  return { status, refresh: reloadAll };
}
