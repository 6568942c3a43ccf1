import { useCallback, useState } from 'react';
import type { ApiError } from '../api/errors';
import { canEdit } from './permissions';

export interface WriteAccess {
  isReadOnly: boolean;
  /** Why: the refusal that made the page read-only, or null for a Grafana Viewer (who never tried). */
  refusal: ApiError | null;
  /** Call with any failed change: a 403 makes the page read-only (true: handled, show nothing else). */
  noteRefusal: (error: ApiError) => boolean;
}

/**
 * Whether this user may change what a page shows. Grafana Viewers see the page read-only from the start; anyone else
 * finds out from the first 403 (e.g. the sidecar wants an admin token for channels, rules and escalation policies),
 * after which the page stops offering controls that would only fail again.
 */
export function useWriteAccess(): WriteAccess {
  const [refusal, setRefusal] = useState<ApiError | null>(null);
  const noteRefusal = useCallback((error: ApiError) => {
    if (error.status !== 403) {
      return false;
    }
    setRefusal(error);
    return true;
  }, []);
  return { isReadOnly: refusal !== null || !canEdit(), refusal, noteRefusal };
}
