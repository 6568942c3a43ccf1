import { useCallback, useEffect, useState } from 'react';
import { listServices } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import type { Service } from '../../api/types';

export type ServicesState =
  { phase: 'loading' } | { phase: 'error'; error: ApiError } | { phase: 'ready'; services: Service[] };

/** The service catalog, with a reload that keeps the rows on screen while it fetches. */
export function useServices(): { state: ServicesState; reload: () => void } {
  const [state, setState] = useState<ServicesState>({ phase: 'loading' });
  const [reloads, setReloads] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    listServices({ signal: controller.signal }).then(
      (services) => !controller.signal.aborted && setState({ phase: 'ready', services }),
      (e: unknown) => !controller.signal.aborted && setState({ phase: 'error', error: toApiError(e) })
    );
    return () => controller.abort();
  }, [reloads]);
  const reload = useCallback(() => setReloads((n) => n + 1), []);
  return { state, reload };
}
