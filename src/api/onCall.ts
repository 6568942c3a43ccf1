import { SIDECAR_API_BASE } from '../constants';
import { call, type CallOptions } from './client';
import type {
  CreateOverrideInput,
  ItemList,
  OnCallOverview,
  Override,
  Person,
  Schedule,
  ScheduleTimeline,
} from './types';

const scheduleUrl = (id: string) => `${SIDECAR_API_BASE}/schedules/${encodeURIComponent(id)}`;

/** GET /api/people, by login: who can be on call (a Grafana user each). */
export async function listPeople(options?: CallOptions): Promise<Person[]> {
  const body = await call<ItemList<Person>>({ url: `${SIDECAR_API_BASE}/people` }, options);
  return body.items;
}

/** GET /api/schedules, by name, with their layers. */
export async function listSchedules(options?: CallOptions): Promise<Schedule[]> {
  const body = await call<ItemList<Schedule>>({ url: `${SIDECAR_API_BASE}/schedules` }, options);
  return body.items;
}

/**
 * GET /api/on-call: every schedule's on-call now and next, and gaps starting within `withinHours` (sidecar default
 * 24) as warnings.
 */
export function getOnCall(query: { withinHours?: number } = {}, options?: CallOptions): Promise<OnCallOverview> {
  const params = query.withinHours === undefined ? undefined : { withinHours: query.withinHours };
  return call({ url: `${SIDECAR_API_BASE}/on-call`, params }, options);
}

/** GET /api/schedules/:id/timeline over from–to (at most 93 days): who is on call, per layer and combined. */
export function getScheduleTimeline(
  scheduleId: string,
  range: { from: string; to: string },
  options?: CallOptions
): Promise<ScheduleTimeline> {
  return call({ url: `${scheduleUrl(scheduleId)}/timeline`, params: range }, options);
}

/**
 * POST /api/schedules/:id/overrides (editor): `personId` is on call from `start` (default now: "take the pager") to
 * `end`, over whatever the layers say. 400 VALIDATION_FAILED when `end` is not after the start.
 */
export function createOverride(
  scheduleId: string,
  input: CreateOverrideInput,
  options?: CallOptions
): Promise<Override> {
  return call({ url: `${scheduleUrl(scheduleId)}/overrides`, method: 'POST', data: input }, options);
}

/** DELETE /api/schedules/:id/overrides/:overrideId (editor): the rotation shows through again. */
export async function deleteOverride(scheduleId: string, overrideId: string, options?: CallOptions): Promise<void> {
  await call(
    { url: `${scheduleUrl(scheduleId)}/overrides/${encodeURIComponent(overrideId)}`, method: 'DELETE' },
    options
  );
}
