import { SIDECAR_API_BASE } from '../constants';
import { call, incidentUrl, listEveryPage, type CallOptions } from './client';
import type { CreateEscalationPolicyInput, Escalation, EscalationPolicy, UpdateEscalationPolicyInput } from './types';

const policyUrl = (id: string) => `${SIDECAR_API_BASE}/escalation-policies/${encodeURIComponent(id)}`;

/** GET /api/escalation-policies, by name, every page. */
export function listEscalationPolicies(options?: CallOptions): Promise<EscalationPolicy[]> {
  return listEveryPage(`${SIDECAR_API_BASE}/escalation-policies`, options, { limit: 500 });
}

/** POST /api/escalation-policies (admin). 400 VALIDATION_FAILED names the field (`steps.1.waitMinutes`, `repeat`). */
export function createEscalationPolicy(
  input: CreateEscalationPolicyInput,
  options?: CallOptions
): Promise<EscalationPolicy> {
  return call({ url: `${SIDECAR_API_BASE}/escalation-policies`, method: 'POST', data: input }, options);
}

/** PATCH /api/escalation-policies/:id (admin) with the version the user saw; 409 VERSION_CONFLICT when stale. */
export function updateEscalationPolicy(
  id: string,
  input: UpdateEscalationPolicyInput,
  options?: CallOptions
): Promise<EscalationPolicy> {
  return call({ url: policyUrl(id), method: 'PATCH', data: input }, options);
}

/** DELETE /api/escalation-policies/:id (admin); 409 while a service names it. */
export async function deleteEscalationPolicy(id: string, options?: CallOptions): Promise<void> {
  await call({ url: policyUrl(id), method: 'DELETE' }, options);
}

/**
 * GET /api/incidents/:id/escalation: who was paged, when, through what and whether it arrived. 404
 * ESCALATION_NOT_FOUND when the incident never started one (its services name no policy).
 */
export function getEscalation(incidentId: string, options?: CallOptions): Promise<Escalation> {
  return call({ url: `${incidentUrl(incidentId)}/escalation` }, options);
}

/** POST /api/incidents/:id/escalate (editor): fires the next step now; 409 ESCALATION_NOT_ACTIVE once it stopped. */
export function escalateNow(incidentId: string, options?: CallOptions): Promise<Escalation> {
  return call({ url: `${incidentUrl(incidentId)}/escalate`, method: 'POST', data: {} }, options);
}
