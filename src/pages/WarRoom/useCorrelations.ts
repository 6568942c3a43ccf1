import { useCallback, useState } from 'react';
import { toApiError, type ApiError } from '../../api/errors';
import { useResource } from './useResource';
import { getCorrelations, pinFinding, runCorrelation } from '../../api/evidence';
import type { CorrelationResult, Finding, TimelineEvent } from '../../api/types';

export interface CorrelationsState {
  result: CorrelationResult | null;
  error: ApiError | null;
  isLoading: boolean;
  isRunning: boolean;
  /** Error of the last re-run or pin, shown next to the findings. */
  actionError: { title: string; error: ApiError } | null;
  dismissActionError: () => void;
  reload: () => void;
  rerun: () => Promise<void>;
  /** Pins a finding; resolves with the `evidence_pinned` timeline entry, or null when it failed. */
  pin: (finding: Finding) => Promise<TimelineEvent | null>;
  pendingPinId: string | null;
}

/** The incident's latest correlation run and its findings, with re-run and pin. */
export function useCorrelations(incidentId: string): CorrelationsState {
  const correlations = useResource((signal) => getCorrelations(incidentId, { signal }));
  const { setValue: setResult } = correlations;
  const [isRunning, setIsRunning] = useState(false);
  const [pendingPinId, setPendingPinId] = useState<string | null>(null);
  const [actionError, setActionError] = useState<CorrelationsState['actionError']>(null);

  const rerun = useCallback(async () => {
    setIsRunning(true);
    setActionError(null);
    try {
      setResult(await runCorrelation(incidentId));
    } catch (e) {
      setActionError({ title: 'Could not re-run the correlation', error: toApiError(e) });
    } finally {
      setIsRunning(false);
    }
  }, [incidentId, setResult]);

  const pin = useCallback(
    async (finding: Finding) => {
      setPendingPinId(finding.id);
      setActionError(null);
      try {
        return await pinFinding(incidentId, finding.id);
      } catch (e) {
        setActionError({ title: `Could not pin "${finding.summary}"`, error: toApiError(e) });
        return null;
      } finally {
        setPendingPinId(null);
      }
    },
    [incidentId]
  );

  return {
    result: correlations.value,
    error: correlations.error,
    isLoading: correlations.isLoading,
    isRunning,
    actionError,
    dismissActionError: () => setActionError(null),
    reload: correlations.reload,
    rerun,
    pin,
    pendingPinId,
  };
}
