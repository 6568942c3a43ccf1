import { useCallback, useEffect, useRef, useState } from 'react';
import { listAlerts } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import type { Alert } from '../../api/types';
import { alertQueryFor, serializeAlertView, type AlertView } from './alertFilters';

export const ALERT_PAGE_SIZE = 100;

export type AlertListState =
  | { phase: 'loading' }
  | { phase: 'error'; error: ApiError }
  | {
      phase: 'ready';
      items: Alert[];
      nextCursor: string | null;
      isLoadingMore: boolean;
      loadMoreError: ApiError | null;
    };

/** The alerts of a view, a page at a time; a new view drops the rows and aborts what is in flight. */
export function useAlertList(view: AlertView) {
  const key = serializeAlertView(view).toString();
  const [state, setState] = useState<AlertListState>({ phase: 'loading' });
  const [reloads, setReloads] = useState(0);
  // A new view shows "loading" at once (adjusted while rendering); a reload keeps the rows until the answer.
  const [shownKey, setShownKey] = useState(key);
  if (shownKey !== key) {
    setShownKey(key);
    setState({ phase: 'loading' });
  }
  const more = useRef<AbortController | null>(null);
  const viewRef = useRef(view);
  useEffect(() => {
    viewRef.current = view;
  });

  useEffect(() => {
    const controller = new AbortController();
    more.current?.abort();
    listAlerts({ ...alertQueryFor(viewRef.current), limit: ALERT_PAGE_SIZE }, { signal: controller.signal }).then(
      (page) =>
        !controller.signal.aborted &&
        setState({
          phase: 'ready',
          items: page.items,
          nextCursor: page.nextCursor,
          isLoadingMore: false,
          loadMoreError: null,
        }),
      (e: unknown) => !controller.signal.aborted && setState({ phase: 'error', error: toApiError(e) })
    );
    return () => controller.abort();
  }, [key, reloads]);

  const loadMore = useCallback(() => {
    if (state.phase !== 'ready' || !state.nextCursor || state.isLoadingMore) {
      return;
    }
    const controller = new AbortController();
    more.current = controller;
    setState({ ...state, isLoadingMore: true, loadMoreError: null });
    listAlerts(
      { ...alertQueryFor(viewRef.current), limit: ALERT_PAGE_SIZE, cursor: state.nextCursor },
      { signal: controller.signal }
    ).then(
      (page) =>
        !controller.signal.aborted &&
        setState((s) =>
          s.phase === 'ready'
            ? { ...s, items: [...s.items, ...page.items], nextCursor: page.nextCursor, isLoadingMore: false }
            : s
        ),
      (e: unknown) =>
        !controller.signal.aborted &&
        setState((s) => (s.phase === 'ready' ? { ...s, isLoadingMore: false, loadMoreError: toApiError(e) } : s))
    );
  }, [state]);

  useEffect(() => () => more.current?.abort(), []);
  const reload = useCallback(() => setReloads((n) => n + 1), []);
  return { state, reload, loadMore };
}
