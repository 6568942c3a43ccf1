import { SIDECAR_API_BASE } from '../constants';
import { call, listEveryPage, type CallOptions } from './client';
import type {
  CreateOverrideInput,
  OnCallOverview,
  Override,
  Person,
  Schedule,
  ScheduleTimeline,
  TestPageResult,
} from './types';

const scheduleUrl = (id: string) => `${SIDECAR_API_BASE}/schedules/${encodeURIComponent(id)}`;

/** GET /api/people, by login: who can be on call (a Grafana user each). */
export function listPeople(options?: CallOptions): Promise<Person[]> {
  return listEveryPage(`${SIDECAR_API_BASE}/people`, options, { limit: 500 });
}

/** GET /api/schedules, by name, with their layers. */
export function listSchedules(options?: CallOptions): Promise<Schedule[]> {
  return listEveryPage(`${SIDECAR_API_BASE}/schedules`, options, { limit: 500 });
}

/**
 * GET /api/on-call, every page: every schedule's on-call now and next, and gaps starting within `withinHours`
 * (sidecar default 24) as warnings.
 */
export async function getOnCall(query: { withinHours?: number } = {}, options?: CallOptions): Promise<OnCallOverview> {
  const params: Record<string, string | number> = { limit: 500 };
  if (query.withinHours !== undefined) {
    params.withinHours = query.withinHours;
  }
  let page: OnCallOverview & { nextCursor?: string | null } = await call(
    { url: `${SIDECAR_API_BASE}/on-call`, params },
    options
  );
  const overview = { ...page, items: [...page.items], warnings: [...page.warnings] };
  while (page.nextCursor) {
    page = await call({ url: `${SIDECAR_API_BASE}/on-call`, params: { ...params, cursor: page.nextCursor } }, options);
    overview.items.push(...page.items);
    overview.warnings.push(...page.warnings);
  }
  return { at: overview.at, items: overview.items, warnings: overview.warnings };
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

/** POST /api/people/:id/test-page (editor): a test message now through each contact method, with each outcome. */
export async function sendTestPage(personId: string, options?: CallOptions): Promise<TestPageResult[]> {
  const body = await call<{ items: TestPageResult[] }>(
    { url: `${SIDECAR_API_BASE}/people/${encodeURIComponent(personId)}/test-page`, method: 'POST', data: {} },
    options
  );
  return body.items;
}
