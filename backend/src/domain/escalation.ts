/**
 * Escalation policies and the step maths that runs them. Pure: the store keeps an incident's escalation row and
 * its timer (a queue job), the escalator fires due steps; everything here takes its clock as an argument.
 *
 * A policy is ordered steps. Each step pages one target (the person on call in a schedule, a person, or a channel)
 * with an urgency, then waits `waitMinutes` before the next step. After the last step the policy starts over from
 * the first, `repeat` more times; after that it is exhausted (nobody answered and nobody is left to page).
 */
import type { Severity } from './incidents.js';

export const URGENCIES = ['low', 'high'] as const;
/** How hard a page tries to get attention: `high` rings (ntfy priority 5, Slack @mention), `low` does not. */
export type Urgency = (typeof URGENCIES)[number];

export const STEP_TARGET_KINDS = ['schedule', 'person', 'channel'] as const;
export type StepTargetKind = (typeof STEP_TARGET_KINDS)[number];

export type StepTarget =
  | { kind: 'schedule'; scheduleId: string }
  | { kind: 'person'; personId: string }
  | { kind: 'channel'; channelId: string };

export interface EscalationStep {
  target: StepTarget;
  /**
   * Minutes from this step's page to the next step. Fractions are allowed (0.05 is 3 s): tests and game days run
   * real policies in seconds, and nobody is served by a separate knob that production must never set.
   */
  waitMinutes: number;
  urgency: Urgency;
}

export interface EscalationPolicyRules {
  steps: EscalationStep[];
  /** How many times the whole list runs again after its last step (0: once through). */
  repeat: number;
}

/** Where an escalation stands: the step that fires next, in which pass over the list (0 is the first). */
export interface Position {
  step: number;
  pass: number;
}

export const ESCALATION_STATES = ['active', 'acknowledged', 'resolved', 'exhausted'] as const;
/** active: a step is due at next_step_at; acknowledged/resolved: someone stopped it; exhausted: nobody is left. */
export type EscalationState = (typeof ESCALATION_STATES)[number];

const MINUTE_MS = 60_000;

/** The position after `at` fires, or null when that was the last step of the last pass. */
export function positionAfter(rules: EscalationPolicyRules, at: Position): Position | null {
  if (at.step + 1 < rules.steps.length) return { step: at.step + 1, pass: at.pass };
  if (at.pass < rules.repeat) return { step: 0, pass: at.pass + 1 };
  return null;
}

/**
 * What firing the step at `at` at time `now` leads to: the next position and when it is due, or null (exhausted).
 * A step that paged nobody (a gap in the schedule, a person with no reachable contact method, a muted channel)
 * lets the next one fire at once: waiting for an answer nobody can give only delays the page that can be answered.
 */
export function planAfterStep(
  rules: EscalationPolicyRules,
  at: Position,
  now: number,
  hasPagedSomeone: boolean
): { position: Position; dueAt: number } | null {
  const position = positionAfter(rules, at);
  if (!position) return null;
  const wait = hasPagedSomeone ? rules.steps[at.step]!.waitMinutes * MINUTE_MS : 0;
  return { position, dueAt: now + wait };
}

/**
 * Every step the policy would fire if nobody answered, from `start`, with its time: the preview an editor checks
 * ("alex at 0 min, sam at 5 min, #payments at 15 min"), and what the escalation tests hold the timer to.
 */
export function schedulePreview(rules: EscalationPolicyRules, start: number): Array<Position & { at: number }> {
  const fired: Array<Position & { at: number }> = [];
  if (!rules.steps.length) return fired;
  let position: Position | null = { step: 0, pass: 0 };
  let at = start;
  while (position) {
    fired.push({ ...position, at });
    const next = planAfterStep(rules, position, at, true);
    position = next?.position ?? null;
    at = next?.dueAt ?? at;
  }
  return fired;
}

/** What picks the policy of an incident: its services, each with a default policy and per-severity ones. */
export interface ServicePolicies {
  name: string;
  /** 1 most critical … 4 least. */
  tier: number;
  escalationPolicyId: string | null;
  escalationPolicies: Partial<Record<Severity, string>>;
}

/**
 * The policy an incident of `severity` on these services starts: the most critical service (lowest tier, then
 * name) that has one, its policy for that severity before its default. Null when none has a policy.
 */
export function choosePolicy(services: ServicePolicies[], severity: Severity): string | null {
  const ordered = [...services].sort((a, b) => a.tier - b.tier || a.name.localeCompare(b.name));
  for (const service of ordered) {
    const id = service.escalationPolicies[severity] ?? service.escalationPolicyId;
    if (id) return id;
  }
  return null;
}

/** A contact method as people store it (store/people.ts ContactMethod). */
export interface ContactRoute {
  kind: 'email' | 'ntfy' | 'slack' | 'webhook';
  target: string;
  channelId?: string;
}

/** A channel as routing needs it. */
export interface RoutableChannel {
  id: string;
  kind: string;
  name: string;
  muted: boolean;
}

/**
 * The channel that carries each contact method, or why none does. A method names its channel when it needs one
 * (slack and webhook always: the workspace's webhook or the person's own URL); an email or ntfy method without one
 * uses the first unmuted channel of its kind by name, since those are one SMTP relay or ntfy server for everyone
 * and only the address or topic is the person's own.
 */
export function routeContacts(
  methods: ContactRoute[],
  channels: RoutableChannel[]
): Array<{ method: ContactRoute; channel: RoutableChannel | null; problem: string | null }> {
  const byName = [...channels].sort((a, b) => a.name.localeCompare(b.name));
  return methods.map((method) => {
    const channel = method.channelId
      ? (channels.find((c) => c.id === method.channelId) ?? null)
      : (byName.find((c) => c.kind === method.kind && !c.muted) ?? null);
    if (!channel) {
      const problem = method.channelId ? 'its channel no longer exists' : `there is no ${method.kind} channel to carry it`;
      return { method, channel: null, problem };
    }
    if (channel.muted) return { method, channel: null, problem: `its channel ${channel.name} is muted` };
    return { method, channel, problem: null };
  });
}
