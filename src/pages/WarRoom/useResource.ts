import { useCallback, useEffect, useRef, useState } from 'react';
import { toApiError, type ApiError } from '../../api/errors';

export interface Resource<T> {
  value: T | null;
  /** Changes the held value (a live event, a write's answer) without refetching. */
  setValue: React.Dispatch<React.SetStateAction<T | null>>;
  error: ApiError | null;
  isLoading: boolean;
  /** Fetches again; the request in flight, if any, is aborted. */
  reload: () => void;
}

/**
 * One thing fetched from the sidecar for as long as the component shows it: aborted on unmount and on reload, and
 * `merge` decides how a fresh answer meets what arrived meanwhile (e.g. live timeline entries newer than the answer).
 */
export function useResource<T>(
  fetch: (signal: AbortSignal) => Promise<T>,
  merge: (held: T | null, loaded: T) => T = (_held, loaded) => loaded
): Resource<T> {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [isLoading, setIsLoading] = useState(true);
  const [reloads, setReloads] = useState(0);
  const latest = useRef({ fetch, merge });
  useEffect(() => {
    latest.current = { fetch, merge };
  });

  useEffect(() => {
    const controller = new AbortController();
    latest.current.fetch(controller.signal).then(
      (loaded) => {
        if (!controller.signal.aborted) {
          setValue((held) => latest.current.merge(held, loaded));
          setError(null);
          setIsLoading(false);
        }
      },
      (e: unknown) => {
        if (!controller.signal.aborted) {
          setError(toApiError(e));
          setIsLoading(false);
        }
      }
    );
    return () => controller.abort();
  }, [reloads]);

  const reload = useCallback(() => setReloads((n) => n + 1), []);
  return { value, setValue, error, isLoading, reload };
}
