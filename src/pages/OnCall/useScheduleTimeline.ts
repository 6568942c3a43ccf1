import { useEffect, useState } from 'react';
import { toApiError, type ApiError } from '../../api/errors';
import { getScheduleTimeline } from '../../api/onCall';
import type { ScheduleTimeline } from '../../api/types';
import { DAY_MS, TIMELINE_DAYS, type Range } from './timelineLayout';

export interface TimelineState {
  timeline: ScheduleTimeline | null;
  /** The range asked for (the answer's own from/to when it came). */
  range: Range;
  error: ApiError | null;
}

/** One schedule's next two weeks; fetched again (from the new now) whenever `refreshKey` changes. */
export function useScheduleTimeline(scheduleId: string, refreshKey: number): TimelineState {
  const [state, setState] = useState<TimelineState>(() => {
    const from = Date.now();
    return { timeline: null, range: { from, to: from + TIMELINE_DAYS * DAY_MS }, error: null };
  });

  useEffect(() => {
    const controller = new AbortController();
    const from = Date.now();
    const range = { from, to: from + TIMELINE_DAYS * DAY_MS };
    const query = { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() };
    getScheduleTimeline(scheduleId, query, { signal: controller.signal }).then(
      (timeline) => !controller.signal.aborted && setState({ timeline, range, error: null }),
      (e: unknown) => !controller.signal.aborted && setState((s) => ({ ...s, error: toApiError(e) }))
    );
    return () => controller.abort();
  }, [scheduleId, refreshKey]);

  return state;
}
