import { ACTIVE_STATUSES } from '../../../contract/incidents';
import { INCIDENT_STATUSES, type IncidentStatus } from '../../api/types';

/** What the status filter can show; kept in the URL as `?status=` so a view can be shared. */
export type StatusFilterValue = 'active' | 'all' | IncidentStatus;

export const STATUS_FILTER_PARAM = 'status';
export const DEFAULT_STATUS_FILTER: StatusFilterValue = 'active';

/** Reads `?status=`; anything unknown (or absent) means the default, Active. */
export function parseStatusFilter(raw: string | null): StatusFilterValue {
  if (raw === 'active' || raw === 'all') {
    return raw;
  }
  return INCIDENT_STATUSES.find((s) => s === raw) ?? DEFAULT_STATUS_FILTER;
}

/** The `status` query of GET /incidents for a filter; undefined means no status filter. */
export function statusesFor(filter: StatusFilterValue): IncidentStatus[] | undefined {
  if (filter === 'all') {
    return undefined;
  }
  if (filter === 'active') {
    return [...ACTIVE_STATUSES];
  }
  return [filter];
}
