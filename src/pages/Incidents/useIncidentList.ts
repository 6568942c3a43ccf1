import { useCallback, useEffect, useRef, useState } from 'react';
import { listIncidents } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import type { Incident } from '../../api/types';
import { compareFor, matchesView, queryFor, viewKey, type IncidentView } from './filters';

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
   * Applies an incident as the live feed reports it: a newer version takes the row's place in the view's order (or
   * removes it when it no longer fits the filters); a new incident that fits is inserted where the order puts it.
   * Older news (a lower or equal version) is ignored.
   */
  upsert: (incident: Incident) => void;
}

/** The incidents list of a view (filters and sort); a new view drops the old rows and aborts the request in flight. */
export function useIncidentList(view: IncidentView): IncidentList {
  const key = viewKey(view);
  // The view as of the last key change: the effects below depend on the key only, not on the object's identity.
  const viewRef = useRef(view);
  // Declared before the fetch effect, so that effect reads this render's view.
  useEffect(() => {
    viewRef.current = view;
  });
  // A relative range ("last 24 hours") is fixed when the list is fetched, so later pages use the same bounds.
  const query = useRef<ReturnType<typeof queryFor>>({});
  const [state, setState] = useState<IncidentListState>({ phase: 'loading' });
  const [reloadCount, setReloadCount] = useState(0);
  const shownKey = useRef<string | null>(null);
  const loadMoreAbort = useRef<AbortController | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    if (shownKey.current !== key) {
      setState({ phase: 'loading' });
    }
    loadMoreAbort.current?.abort();
    query.current = queryFor(viewRef.current, Date.now());
    listIncidents({ ...query.current, limit: PAGE_SIZE }, { signal: controller.signal }).then(
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
    setState({ ...state, isLoadingMore: true, loadMoreError: null });
    listIncidents({ ...query.current, limit: PAGE_SIZE, cursor: state.nextCursor }, { signal: controller.signal }).then(
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
  }, [state]);

  const replace = useCallback((incident: Incident) => {
    setState((s) =>
      s.phase === 'ready' ? { ...s, items: s.items.map((i) => (i.id === incident.id ? incident : i)) } : s
    );
  }, []);

  const upsert = useCallback(
    (incident: Incident) => {
      const view = viewRef.current;
      const isShown = matchesView(incident, view, Date.now());
      const compare = compareFor(view.sort);
      setState((s) => {
        if (s.phase !== 'ready') {
          return s;
        }
        const current = s.items.find((i) => i.id === incident.id);
        if (current && current.version >= incident.version) {
          return s;
        }
        // Removed and put back where the order now puts it: a status or severity change moves it under those sorts.
        const items = s.items.filter((i) => i.id !== incident.id);
        if (!isShown) {
          return current ? { ...s, items } : s;
        }
        const at = items.findIndex((i) => compare(incident, i) < 0);
        // Past the last loaded row it belongs to a page not fetched yet; scrolling on will bring it.
        if (at === -1 && s.nextCursor) {
          return { ...s, items };
        }
        items.splice(at === -1 ? items.length : at, 0, incident);
        return { ...s, items };
      });
    },
    // A new view reloads the list, so the callback reads the view of the moment through the ref.
    []
  );

  useEffect(() => () => loadMoreAbort.current?.abort(), []);

  return { state, reload, loadMore, replace, upsert };
}
