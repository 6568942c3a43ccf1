/**
 * Grafana OnCall's escalation chains and integrations as the studio's: a chain as a policy's steps, an integration's
 * name as a service name. Pure; a step with no studio equivalent comes back as a note saying why.
 */
import type { EscalationStep } from '../domain/escalation.js';
import { SERVICE_NAME_PATTERN } from '../domain/services.js';
import type { OnCallPolicyStep } from './oncallApi.js';
import type { MappedPerson, Note } from './oncallMapping.js';

/** OnCall's "Repeat escalation from the beginning (5 times max)". */
const ONCALL_REPEATS = 5;
/** The studio's longest wait (routes/escalationPolicies.ts), as OnCall's (86,400 s). */
const MAX_WAIT_MINUTES = 24 * 60;

const UNMAPPED_STEPS: Record<string, string> = {
  notify_person_next_each_time:
    'round robin (the next person each time) has no studio equivalent: a step pages a schedule, a person or a channel',
  notify_team_members: 'the studio has no teams: page a schedule or each person',
  notify_user_group: 'a Slack user group is not a studio target: page a schedule or a channel',
  notify_whole_channel: "OnCall's Slack channel is not a studio channel: add a channel step",
  trigger_webhook: 'outgoing webhooks are channels in the studio: add a channel step',
  resolve: 'a studio policy does not resolve incidents',
  notify_if_time_from_to: 'steps that continue only at some times of day are not supported',
  notify_if_num_alerts_in_window: 'steps that continue only past an alert count are not supported',
  declare_incident: 'every incident opened from alerts starts its policy already',
};

/**
 * A chain's steps (in `position` order) as a policy's: each page a step (several people: one step each, paged
 * together), a wait the time until the next page, "repeat escalation" the policy's repeat. OnCall's `important`
 * flag picks which of a person's notification rules run; every OnCall page rings, so every step is `high`.
 */
export function policyFromChain(
  chainName: string,
  chainSteps: OnCallPolicyStep[],
  personOf: (oncallUserId: string) => MappedPerson | undefined,
  scheduleOf: (oncallScheduleId: string) => string | undefined
): { steps: EscalationStep[]; repeat: number; notes: Note[] } {
  const steps: EscalationStep[] = [];
  const notes: Note[] = [];
  let repeat = 0;
  let leadingWait = 0;
  const ordered = [...chainSteps].sort((a, b) => a.position - b.position);
  for (const [i, s] of ordered.entries()) {
    const subject = `step ${i + 1} (${s.type}) of chain "${chainName}"`;
    const page = (target: EscalationStep['target']) => steps.push({ target, waitMinutes: 0, urgency: 'high' });
    if (repeat) {
      notes.push({ subject, reason: 'it comes after "repeat escalation", and the studio repeats the whole policy' });
    } else if (s.type === 'wait') {
      const minutes = (s.duration ?? 0) / 60;
      if (steps.length) steps.at(-1)!.waitMinutes += minutes;
      else leadingWait += minutes;
    } else if (s.type === 'notify_persons') {
      for (const id of s.persons_to_notify ?? []) {
        const person = personOf(id);
        if (person) page({ kind: 'person', personId: person.id });
        else notes.push({ subject, reason: `OnCall user ${id} was not imported` });
      }
    } else if (s.type === 'notify_on_call_from_schedule') {
      const scheduleId = s.notify_on_call_from_schedule ? scheduleOf(s.notify_on_call_from_schedule) : undefined;
      if (scheduleId) page({ kind: 'schedule', scheduleId });
      else
        notes.push({ subject, reason: `its schedule ${s.notify_on_call_from_schedule ?? '(none)'} was not imported` });
    } else if (s.type === 'repeat_escalation') {
      repeat = ONCALL_REPEATS;
    } else {
      notes.push({ subject, reason: UNMAPPED_STEPS[s.type] ?? 'an unknown step type' });
    }
  }
  if (leadingWait)
    notes.push({
      subject: `chain "${chainName}"`,
      reason: `it waits ${leadingWait} min before its first page; the studio pages at once`,
    });
  for (const s of steps) {
    if (s.waitMinutes > MAX_WAIT_MINUTES) {
      notes.push({
        subject: `chain "${chainName}"`,
        reason: `a wait of ${s.waitMinutes} min is longer than the studio's 24 h: shortened to 24 h`,
      });
      s.waitMinutes = MAX_WAIT_MINUTES;
    }
  }
  if (repeat && !steps.some((s) => s.waitMinutes > 0)) {
    notes.push({
      subject: `chain "${chainName}"`,
      reason: 'it repeats without waiting, which would page everyone at once: imported without the repeat',
    });
    repeat = 0;
  }
  return { steps, repeat, notes };
}

/** An integration's name as a catalog service name (lowercase letters, digits, dot, dash, underscore). */
export function serviceNameOf(integrationName: string): string | undefined {
  const name = integrationName
    .normalize('NFKD')
    .replace(/\p{M}/gu, '') // accents, split off by NFKD
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+|[-._]+$/g, '')
    .slice(0, 63)
    .replace(/[-._]+$/, '');
  return SERVICE_NAME_PATTERN.test(name) ? name : undefined;
}
