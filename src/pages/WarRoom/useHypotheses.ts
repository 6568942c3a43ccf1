import { useCallback, useState } from 'react';
import { toApiError, type ApiError } from '../../api/errors';
import { useResource } from './useResource';
import { addHypothesis, listHypotheses, updateHypothesis } from '../../api/evidence';
import type { Hypothesis, HypothesisInput, HypothesisStatus } from '../../api/types';

export interface HypothesisConflict {
  /** The hypothesis as it is now (from the 409's details.current, or reloaded). */
  current: Hypothesis | null;
  attempted: HypothesisStatus;
  note?: string;
}

export interface HypothesesState {
  items: Hypothesis[];
  error: ApiError | null;
  isLoading: boolean;
  pendingId: string | null;
  conflict: HypothesisConflict | null;
  actionError: { title: string; error: ApiError } | null;
  dismiss: () => void;
  reload: () => void;
  upsert: (hypothesis: Hypothesis) => void;
  add: (input: HypothesisInput) => Promise<boolean>;
  decide: (hypothesis: Hypothesis, status: HypothesisStatus, note?: string) => Promise<void>;
}

/** Is this a hypothesis as the sidecar sends it (live payloads are checked before use)? */
export function isHypothesis(value: unknown): value is Hypothesis {
  const v = value as Partial<Hypothesis> | null;
  return typeof v === 'object' && v !== null && typeof v.id === 'string' && typeof v.version === 'number';
}

/** The investigation board: hypotheses with add and decisions under optimistic concurrency. */
export function useHypotheses(incidentId: string): HypothesesState {
  const list = useResource((signal) => listHypotheses(incidentId, { signal }));
  const { setValue: setItems, reload } = list;
  const [pendingId, setPendingId] = useState<string | null>(null);
  const [conflict, setConflict] = useState<HypothesisConflict | null>(null);
  const [actionError, setActionError] = useState<HypothesesState['actionError']>(null);

  const upsert = useCallback(
    (h: Hypothesis) =>
      setItems((held) => {
        const current = held ?? [];
        const existing = current.find((c) => c.id === h.id);
        if (existing && existing.version > h.version) {
          return current;
        }
        return existing ? current.map((c) => (c.id === h.id ? h : c)) : [...current, h];
      }),
    [setItems]
  );

  const add = useCallback(
    async (input: HypothesisInput) => {
      setActionError(null);
      try {
        upsert(await addHypothesis(incidentId, input));
        return true;
      } catch (e) {
        setActionError({ title: 'Could not add the hypothesis', error: toApiError(e) });
        return false;
      }
    },
    [incidentId, upsert]
  );

  const decide = useCallback(
    async (h: Hypothesis, status: HypothesisStatus, note?: string) => {
      setPendingId(h.id);
      setActionError(null);
      setConflict(null);
      try {
        upsert(await updateHypothesis(incidentId, h.id, { version: h.version, status, note: note || undefined }));
      } catch (e) {
        const err = toApiError(e);
        if (err.code === 'VERSION_CONFLICT') {
          const current = isHypothesis(err.details?.current) ? err.details.current : null;
          if (current) {
            upsert(current);
          } else {
            reload();
          }
          setConflict({ current, attempted: status, note });
        } else {
          setActionError({ title: 'Could not record the decision', error: err });
        }
      } finally {
        setPendingId(null);
      }
    },
    [incidentId, upsert, reload]
  );

  return {
    items: list.value ?? [],
    error: list.error,
    isLoading: list.isLoading,
    pendingId,
    conflict,
    actionError,
    dismiss: () => {
      setConflict(null);
      setActionError(null);
    },
    reload,
    upsert,
    add,
    decide,
  };
}
