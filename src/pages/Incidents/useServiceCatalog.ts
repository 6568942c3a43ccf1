import { useEffect, useState } from 'react';
import { listServices } from '../../api/client';
import { toApiError, type ApiError } from '../../api/errors';
import type { Service } from '../../api/types';

export type ServiceCatalog =
  { phase: 'loading' } | { phase: 'ready'; services: Service[] } | { phase: 'error'; error: ApiError };

/** The service catalog for the declare form's picker; loaded once per mount. */
export function useServiceCatalog(): ServiceCatalog {
  const [catalog, setCatalog] = useState<ServiceCatalog>({ phase: 'loading' });
  useEffect(() => {
    const controller = new AbortController();
    listServices({ signal: controller.signal }).then(
      (services) => !controller.signal.aborted && setCatalog({ phase: 'ready', services }),
      (e: unknown) => !controller.signal.aborted && setCatalog({ phase: 'error', error: toApiError(e) })
    );
    return () => controller.abort();
  }, []);
  return catalog;
}
