import { useCallback, useState } from 'react';
import { updateIncident } from '../../api/client';
import { statusTransitionDetails, toApiError, type ApiError } from '../../api/errors';
import type { Incident, IncidentStatus } from '../../api/types';
import { statusLabel } from './format';
import type { IncidentList } from './useIncidentList';

export interface StatusChangeError {
  title: string;
  error: ApiError;
  /** What happened next / what to do, shown under the sidecar's message. */
  hint?: string;
}

function isIncident(value: unknown): value is Incident {
  const v = value as Partial<Incident> | null;
  return typeof v === 'object' && v !== null && typeof v.id === 'string' && typeof v.version === 'number';
}

/**
 * Moves an incident to another status with optimistic concurrency: the PATCH carries the version the user saw.
 * On 409 VERSION_CONFLICT the row is refreshed (from details.current, then a reload) and the user told someone else
 * changed it; other failures are reported for inline display.
 */
export function useStatusChange(list: IncidentList) {
  const [pendingId, setPendingId] = useState<string | null>(null);
  const [error, setError] = useState<StatusChangeError | null>(null);
  const { replace, reload } = list;

  const changeStatus = useCallback(
    async (incident: Incident, to: IncidentStatus) => {
      setPendingId(incident.id);
      setError(null);
      try {
        replace(await updateIncident(incident.id, { version: incident.version, status: to }));
        reload();
      } catch (e) {
        const err = toApiError(e);
        if (err.code === 'VERSION_CONFLICT') {
          const current = err.details?.current;
          if (isIncident(current)) {
            replace(current);
          }
          reload();
          setError({
            title: `${incident.reference} was changed by someone else`,
            error: err,
            hint: 'The list now shows its current state. Check it, then change the status again if still needed.',
          });
        } else if (err.code === 'STATUS_TRANSITION_INVALID') {
          const details = statusTransitionDetails(err);
          reload();
          setError({
            title: `${incident.reference} cannot move to ${statusLabel(to)}`,
            error: err,
            hint: details?.allowed.length
              ? `From ${statusLabel(details.from)} it can move to: ${details.allowed.map(statusLabel).join(', ')}.`
              : undefined,
          });
        } else {
          setError({ title: `Could not change the status of ${incident.reference}`, error: err });
        }
      } finally {
        setPendingId(null);
      }
    },
    [replace, reload]
  );

  return { changeStatus, pendingId, error, dismissError: () => setError(null) };
}
