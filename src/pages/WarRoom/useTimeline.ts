import { useCallback } from 'react';
import { addNote, getTimeline } from '../../api/client';
import type { ApiError } from '../../api/errors';
import type { TimelineEvent } from '../../api/types';
import { useResource } from './useResource';

export interface TimelineState {
  events: TimelineEvent[];
  error: ApiError | null;
  isLoading: boolean;
  reload: () => void;
  /** Adds or replaces an entry (the live feed and the note's own answer may both deliver it). */
  add: (event: TimelineEvent) => void;
  addNote: (message: string) => Promise<void>;
}

const byTime = (a: TimelineEvent, b: TimelineEvent) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt);

/** Is this a timeline entry as the sidecar sends it (the live feed's payloads are checked before use)? */
export function isTimelineEvent(value: unknown): value is TimelineEvent {
  const v = value as Partial<TimelineEvent> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.id === 'string' &&
    typeof v.type === 'string' &&
    typeof v.occurredAt === 'string'
  );
}

/** Entries that arrived live while a fetch ran are kept: the answer may predate them. */
function mergeLoaded(held: TimelineEvent[] | null, loaded: TimelineEvent[]): TimelineEvent[] {
  const ids = new Set(loaded.map((e) => e.id));
  return [...loaded, ...(held ?? []).filter((e) => !ids.has(e.id))].sort(byTime);
}

/** The incident's timeline, oldest first, without duplicates. */
export function useTimeline(incidentId: string): TimelineState {
  const timeline = useResource((signal) => getTimeline(incidentId, { signal }), mergeLoaded);
  const { setValue } = timeline;

  const add = useCallback(
    (event: TimelineEvent) =>
      setValue((held) => [...(held ?? []).filter((e) => e.id !== event.id), event].sort(byTime)),
    [setValue]
  );
  const note = useCallback(
    async (message: string) => {
      add(await addNote(incidentId, message));
    },
    [incidentId, add]
  );

  return {
    events: timeline.value ?? [],
    error: timeline.error,
    isLoading: timeline.isLoading,
    reload: timeline.reload,
    add,
    addNote: note,
  };
}
