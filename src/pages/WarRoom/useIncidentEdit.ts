import { useCallback, useState } from 'react';
import { updateIncident } from '../../api/client';
import { statusTransitionDetails, toApiError, type ApiError } from '../../api/errors';
import type { Incident, UpdateIncidentInput } from '../../api/types';
import { statusLabel } from '../Incidents/format';

/** The header fields a person edits in the war room. */
export type EditableField = 'title' | 'severity' | 'status' | 'commander';
export type IncidentEdit = Required<Pick<UpdateIncidentInput, EditableField>>;
export type FieldChange = { [K in EditableField]: { field: K; value: IncidentEdit[K] } }[EditableField];

/** `conflict`: not saved, but the change is kept in the conflict notice, which offers to apply it again. */
export type EditOutcome = 'saved' | 'conflict' | 'failed';

export interface EditConflict {
  change: FieldChange;
  /** The incident as someone else left it (from the 409's details.current). */
  current: Incident;
}

export interface IncidentEditState {
  pendingField: EditableField | null;
  conflict: EditConflict | null;
  error: { title: string; error: ApiError; hint?: string } | null;
  dismiss: () => void;
  /** PATCHes one field with the version the page holds. */
  save: (change: FieldChange) => Promise<EditOutcome>;
  /** Applies the conflicting change again on top of the current version. */
  retry: () => Promise<EditOutcome>;
}

function isIncident(value: unknown): value is Incident {
  const v = value as Partial<Incident> | null;
  return typeof v === 'object' && v !== null && typeof v.id === 'string' && typeof v.version === 'number';
}

/**
 * Header edits under optimistic concurrency. A 409 VERSION_CONFLICT replaces the page's incident with the current one
 * and keeps the user's change so it can be applied again, on purpose, once they have seen what changed.
 */
export function useIncidentEdit(incident: Incident | null, apply: (incident: Incident) => void): IncidentEditState {
  const [pendingField, setPendingField] = useState<EditableField | null>(null);
  const [conflict, setConflict] = useState<EditConflict | null>(null);
  const [error, setError] = useState<IncidentEditState['error']>(null);

  const patch = useCallback(
    async (base: Incident, change: FieldChange): Promise<EditOutcome> => {
      setPendingField(change.field);
      setError(null);
      setConflict(null);
      try {
        apply(await updateIncident(base.id, { version: base.version, [change.field]: change.value }));
        return 'saved';
      } catch (e) {
        const err = toApiError(e);
        const current = err.details?.current;
        if (err.code === 'VERSION_CONFLICT' && isIncident(current)) {
          apply(current);
          setConflict({ change, current });
          return 'conflict';
        } else if (err.code === 'STATUS_TRANSITION_INVALID') {
          const details = statusTransitionDetails(err);
          setError({
            title: `Cannot move to ${statusLabel(change.value as Incident['status'])}`,
            error: err,
            hint: details?.allowed.length
              ? `From ${statusLabel(details.from)} it can move to: ${details.allowed.map(statusLabel).join(', ')}.`
              : undefined,
          });
        } else {
          setError({ title: `Could not change the ${change.field}`, error: err });
        }
        return 'failed';
      } finally {
        setPendingField(null);
      }
    },
    [apply]
  );

  const save = useCallback(
    (change: FieldChange) => (incident ? patch(incident, change) : Promise.resolve<EditOutcome>('failed')),
    [incident, patch]
  );

  const retry = useCallback(
    // The page's incident is at least as new as the 409's (live updates may have moved it on since).
    () => (conflict ? patch(incident ?? conflict.current, conflict.change) : Promise.resolve<EditOutcome>('failed')),
    [conflict, incident, patch]
  );

  return {
    pendingField,
    conflict,
    error,
    dismiss: () => {
      setConflict(null);
      setError(null);
    },
    save,
    retry,
  };
}
