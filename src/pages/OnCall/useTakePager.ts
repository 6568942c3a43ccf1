import { useCallback, useState } from 'react';
import { toApiError, type ApiError } from '../../api/errors';
import { createOverride } from '../../api/onCall';
import type { OnCall, Person } from '../../api/types';
import type { WriteAccess } from '../../components/useWriteAccess';
import { formatUserTime } from '../../components/userTime';

export interface TakePager {
  /** The schedule whose take is in flight. */
  pendingId: string | null;
  error: ApiError | null;
  take: (onCall: OnCall, until: number) => Promise<void>;
  dismiss: () => void;
}

/**
 * "Take the pager": an override for the signed-in person from now (no `start`: the sidecar's clock) until `until`.
 * `onDone` says so and reloads; a 403 turns the page read only instead of showing an error.
 */
export function useTakePager(me: Person | null, access: WriteAccess, onDone: (message: string) => void): TakePager {
  const [pendingId, setPendingId] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const { noteRefusal } = access;

  const take = useCallback(
    async (onCall: OnCall, until: number) => {
      if (!me) {
        return;
      }
      setPendingId(onCall.scheduleId);
      setError(null);
      try {
        const override = await createOverride(onCall.scheduleId, {
          personId: me.id,
          end: new Date(until).toISOString(),
          note: 'took the pager',
        });
        onDone(`You have the pager of ${onCall.scheduleName} until ${formatUserTime(override.end, 'ddd D MMM HH:mm')}`);
      } catch (e) {
        const apiError = toApiError(e);
        if (!noteRefusal(apiError)) {
          setError(apiError);
        }
      } finally {
        setPendingId(null);
      }
    },
    [me, noteRefusal, onDone]
  );

  return { pendingId, error, take, dismiss: useCallback(() => setError(null), []) };
}
