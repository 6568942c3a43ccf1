import { useCallback, useEffect, useState } from 'react';
import { config } from '@grafana/runtime';
import { toApiError, type ApiError } from '../../api/errors';
import { useLiveClient, useLiveTopic } from '../../api/liveHooks';
import { getOnCall, listPeople } from '../../api/onCall';
import type { OnCallOverview, Person } from '../../api/types';

/** Gaps starting this soon are listed at the top of the page (the timelines show the rest of the two weeks). */
export const GAP_WARNING_HOURS = 7 * 24;

export interface OnCallState {
  phase: 'loading' | 'error' | 'ready';
  error: ApiError | null;
  overview: OnCallOverview | null;
  people: Person[];
  /** The signed-in Grafana user as an on-call person (matched by login), or null when they are not one. */
  me: Person | null;
  /** Bumped on every reload, so each schedule's timeline fetches again too. */
  refreshKey: number;
  reload: () => void;
}

/**
 * Who is on call now and next per schedule, with the people (for "take the pager" and "cover for"). Anything changed
 * on the `on-call` live topic (an override someone else took, a schedule edited) reloads it.
 */
export function useOnCall(): OnCallState {
  const [phase, setPhase] = useState<OnCallState['phase']>('loading');
  const [error, setError] = useState<ApiError | null>(null);
  const [overview, setOverview] = useState<OnCallOverview | null>(null);
  const [people, setPeople] = useState<Person[]>([]);
  const [refreshKey, setRefreshKey] = useState(0);
  const reload = useCallback(() => setRefreshKey((n) => n + 1), []);

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    Promise.all([getOnCall({ withinHours: GAP_WARNING_HOURS }, { signal }), listPeople({ signal })]).then(
      ([o, p]) => {
        if (!signal.aborted) {
          setOverview(o);
          setPeople(p);
          setError(null);
          setPhase('ready');
        }
      },
      (e: unknown) => {
        if (!signal.aborted) {
          setError(toApiError(e));
          // A failed reload keeps what is on screen and shows the error above it.
          setPhase((p) => (p === 'ready' ? p : 'error'));
        }
      }
    );
    return () => controller.abort();
  }, [refreshKey]);

  const client = useLiveClient();
  useLiveTopic(client, 'on-call', { onEvent: reload, onResync: reload });

  const login = config.bootData?.user?.login;
  const me = people.find((p) => p.login === login) ?? null;
  return { phase, error, overview, people, me, refreshKey, reload };
}
