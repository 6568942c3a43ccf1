import { useCallback, useEffect, useState } from 'react';
import { getSloStatus, listSlos } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import type { Slo, SloStatus } from '../../api/types';

export type SloStatusState =
  { phase: 'loading' } | { phase: 'ready'; status: SloStatus } | { phase: 'error'; error: ApiError };

export type SlosState =
  | { phase: 'loading' }
  | { phase: 'error'; error: ApiError }
  | { phase: 'ready'; slos: Slo[]; statuses: Record<string, SloStatusState> };

/**
 * The SLOs, then each one's live status from Prometheus (one request each, in parallel). A status that fails leaves
 * its SLO listed with the error: the catalog never depends on Prometheus being there.
 */
export function useSloStatuses(): { state: SlosState; reload: () => void } {
  const [state, setState] = useState<SlosState>({ phase: 'loading' });
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    const setStatus = (id: string, status: SloStatusState) =>
      setState((s) => (s.phase === 'ready' ? { ...s, statuses: { ...s.statuses, [id]: status } } : s));
    listSlos({ signal }).then(
      (slos) => {
        if (signal.aborted) {
          return;
        }
        setState({ phase: 'ready', slos, statuses: Object.fromEntries(slos.map((s) => [s.id, { phase: 'loading' }])) });
        for (const slo of slos) {
          getSloStatus(slo.id, { signal }).then(
            (status) => !signal.aborted && setStatus(slo.id, { phase: 'ready', status }),
            (e: unknown) => !signal.aborted && setStatus(slo.id, { phase: 'error', error: toApiError(e) })
          );
        }
      },
      (e: unknown) => !signal.aborted && setState({ phase: 'error', error: toApiError(e) })
    );
    return () => controller.abort();
  }, [reloads]);

  const reload = useCallback(() => setReloads((n) => n + 1), []);
  return { state, reload };
}
