import { getEscalation } from '../../api/escalation';
import { toApiError, type ApiError } from '../../api/errors';
import type { Escalation } from '../../api/types';
import { useResource } from './useResource';

export interface EscalationState {
  /** Null while loading, and when the incident has no escalation (`hasNone`). */
  escalation: Escalation | null;
  /** The incident never started one: its services name no policy and nobody asked to page. */
  hasNone: boolean;
  error: ApiError | null;
  isLoading: boolean;
  reload: () => void;
  /** Takes the escalation from an answer (escalate now) without refetching. */
  apply: (escalation: Escalation) => void;
}

type Loaded = { escalation: Escalation | null };

/** The incident's escalation: who was paged, when, through what, and whether it arrived. */
export function useEscalation(incidentId: string): EscalationState {
  const resource = useResource<Loaded>((signal) =>
    getEscalation(incidentId, { signal }).then(
      (escalation) => ({ escalation }),
      (e: unknown) => {
        const error = toApiError(e);
        // Not an error to show: most incidents page nobody.
        if (error.code === 'ESCALATION_NOT_FOUND') {
          return { escalation: null };
        }
        throw error;
      }
    )
  );
  const { value, setValue } = resource;
  return {
    escalation: value?.escalation ?? null,
    hasNone: value !== null && value.escalation === null,
    error: resource.error,
    isLoading: resource.isLoading,
    reload: resource.reload,
    apply: (escalation) => setValue({ escalation }),
  };
}
