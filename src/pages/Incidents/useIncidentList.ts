import { useCallback, useEffect, useRef, useState } from 'react';
import { listIncidents } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import type { Incident, IncidentStatus } from '../../api/types';

export const PAGE_SIZE = 50;

export type IncidentListState =
  | { phase: 'loading' }
  | { phase: 'error'; error: ApiError }
  | {
      phase: 'ready';
      items: Incident[];
      nextCursor: string | null;
      isLoadingMore: boolean;
      loadMoreError: ApiError | null;
    };

export interface IncidentList {
  state: IncidentListState;
  /** Fetches the first page again, keeping the rows on screen meanwhile. */
  reload: () => void;
  /** Fetches the next page (keyset cursor) and appends it. */
  loadMore: () => void;
  /** Puts a fresher copy of one incident in place (e.g. the PATCH answer) without a round trip. */
  replace: (incident: Incident) => void;
  /**
   * Applies an incident as the live feed reports it: a newer version replaces the row (or removes it when its status
   * left the filter); a new incident that fits the filter is inserted where the list order puts it. Older news
   * (a lower or equal version) is ignored.
   */
  upsert: (incident: Incident) => void;
}

/** List order: newest startedAt first, then id (the sidecar's keyset order). True when `a` comes before `b`. */
function isBefore(a: Incident, b: Incident): boolean {
  return a.startedAt === b.startedAt ? a.id > b.id : Date.parse(a.startedAt) > Date.parse(b.startedAt);
}

/** The incidents list for a status filter; a new filter drops the old rows and aborts the request in flight. */
export function useIncidentList(statuses: IncidentStatus[] | undefined): IncidentList {
  const key = statuses ? statuses.join(',') : '*';
  const [state, setState] = useState<IncidentListState>({ phase: 'loading' });
  const [reloadCount, setReloadCount] = useState(0);
  const shownKey = useRef<string | null>(null);
  const loadMoreAbort = useRef<AbortController | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    const status = key === '*' ? undefined : (key.split(',') as IncidentStatus[]);
    if (shownKey.current !== key) {
      setState({ phase: 'loading' });
    }
    loadMoreAbort.current?.abort();
    listIncidents({ status, limit: PAGE_SIZE }, { signal: controller.signal }).then(
      (page) => {
        if (!controller.signal.aborted) {
          shownKey.current = key;
          setState({
            phase: 'ready',
            items: page.items,
            nextCursor: page.nextCursor,
            isLoadingMore: false,
            loadMoreError: null,
          });
        }
      },
      (e: unknown) => {
        if (!controller.signal.aborted) {
          shownKey.current = null;
          setState({ phase: 'error', error: toApiError(e) });
        }
      }
    );
    return () => controller.abort();
  }, [key, reloadCount]);

  const reload = useCallback(() => setReloadCount((n) => n + 1), []);

  const loadMore = useCallback(() => {
    if (state.phase !== 'ready' || !state.nextCursor || state.isLoadingMore) {
      return;
    }
    const controller = new AbortController();
    loadMoreAbort.current = controller;
    const status = key === '*' ? undefined : (key.split(',') as IncidentStatus[]);
    setState({ ...state, isLoadingMore: true, loadMoreError: null });
    listIncidents({ status, limit: PAGE_SIZE, cursor: state.nextCursor }, { signal: controller.signal }).then(
      (page) => {
        if (!controller.signal.aborted) {
          setState((s) =>
            s.phase === 'ready'
              ? { ...s, items: [...s.items, ...page.items], nextCursor: page.nextCursor, isLoadingMore: false }
              : s
          );
        }
      },
      (e: unknown) => {
        if (!controller.signal.aborted) {
          setState((s) => (s.phase === 'ready' ? { ...s, isLoadingMore: false, loadMoreError: toApiError(e) } : s));
        }
      }
    );
  }, [state, key]);

  const replace = useCallback((incident: Incident) => {
    setState((s) =>
      s.phase === 'ready' ? { ...s, items: s.items.map((i) => (i.id === incident.id ? incident : i)) } : s
    );
  }, []);

  const upsert = useCallback(
    (incident: Incident) => {
      const statuses = key === '*' ? undefined : key.split(',');
      const isShown = !statuses || statuses.includes(incident.status);
      setState((s) => {
        if (s.phase !== 'ready') {
          return s;
        }
        const current = s.items.find((i) => i.id === incident.id);
        if (current) {
          if (current.version >= incident.version) {
            return s;
          }
          const items = isShown
            ? s.items.map((i) => (i.id === incident.id ? incident : i))
            : s.items.filter((i) => i.id !== incident.id);
          return { ...s, items };
        }
        if (!isShown) {
          return s;
        }
        const at = s.items.findIndex((i) => isBefore(incident, i));
        // Past the last loaded row it belongs to a page not fetched yet; "Load older" will bring it.
        if (at === -1 && s.nextCursor) {
          return s;
        }
        const items = [...s.items];
        items.splice(at === -1 ? items.length : at, 0, incident);
        return { ...s, items };
      });
    },
    [key]
  );

  useEffect(() => () => loadMoreAbort.current?.abort(), []);

  return { state, reload, loadMore, replace, upsert };
}
