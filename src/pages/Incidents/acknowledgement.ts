import type { Incident } from '../../api/types';
import type { StatusFilterValue } from './statusFilter';

/** An incident still waiting for someone to pick it up: active, and nobody has acknowledged it. */
export const needsAcknowledgement = (incident: Incident) =>
  incident.status !== 'resolved' && incident.acknowledgedAt === null;

/**
 * In a list of active incidents, the unacknowledged ones first (someone must pick them up), each group in the list's
 * own order. Done here over the loaded rows rather than by the sidecar's sort, so it holds under every sort; a row
 * from a later page moves up once that page is loaded. Lists that show resolved incidents keep the sidecar's order.
 */
export function unacknowledgedFirst(items: Incident[], filter: StatusFilterValue): Incident[] {
  if (filter === 'all' || filter === 'resolved') {
    return items;
  }
  const waiting = items.filter(needsAcknowledgement);
  if (waiting.length === 0 || waiting.length === items.length) {
    return items;
  }
  return [...waiting, ...items.filter((i) => !needsAcknowledgement(i))];
}
