import { describe, expect, it } from 'vitest';
import {
  choosePolicy,
  planAfterStep,
  positionAfter,
  routeContacts,
  schedulePreview,
  type EscalationPolicyRules,
  type EscalationStep,
} from '../src/domain/escalation.js';

/** The escalation maths on a controlled clock: which step fires when, repeats, exhaustion, and who is reachable. */
const MIN = 60_000;
const T0 = Date.UTC(2026, 2, 2, 9, 0);
const step = (waitMinutes: number, id = 'p'): EscalationStep => ({
  target: { kind: 'person', personId: id },
  waitMinutes,
  urgency: 'high',
});

describe('escalation steps', () => {
  const policy: EscalationPolicyRules = { steps: [step(5, 'alex'), step(10, 'sam'), step(15, 'payments')], repeat: 1 };

  it('fires each step after the previous one waited, then starts over `repeat` times, then stops', () => {
    const preview = schedulePreview(policy, T0).map((p) => [p.pass, p.step, (p.at - T0) / MIN]);
    // alex at 0, sam at 5, payments at 15; the second pass from 30 (after payments' 15 minutes).
    expect(preview).toEqual([
      [0, 0, 0],
      [0, 1, 5],
      [0, 2, 15],
      [1, 0, 30],
      [1, 1, 35],
      [1, 2, 45],
    ]);
  });

  it('moves to the next step, wraps to a new pass, and is exhausted after the last pass', () => {
    expect(positionAfter(policy, { step: 0, pass: 0 })).toEqual({ step: 1, pass: 0 });
    expect(positionAfter(policy, { step: 2, pass: 0 })).toEqual({ step: 0, pass: 1 });
    expect(positionAfter(policy, { step: 2, pass: 1 })).toBeNull();
    expect(positionAfter({ steps: [step(5)], repeat: 0 }, { step: 0, pass: 0 })).toBeNull();
  });

  it('waits the fired step’s minutes, fractions included, and not at all when nobody was paged', () => {
    const at = T0 + 7 * MIN;
    expect(planAfterStep(policy, { step: 1, pass: 0 }, at, true)).toEqual({ position: { step: 2, pass: 0 }, dueAt: at + 10 * MIN });
    expect(planAfterStep(policy, { step: 1, pass: 0 }, at, false)).toEqual({ position: { step: 2, pass: 0 }, dueAt: at });
    const quick: EscalationPolicyRules = { steps: [step(0.05), step(0.05)], repeat: 0 };
    expect(planAfterStep(quick, { step: 0, pass: 0 }, T0, true)!.dueAt - T0).toBe(3000);
    expect(planAfterStep(policy, { step: 2, pass: 1 }, at, true)).toBeNull();
  });

  it('previews nothing for a policy without steps', () => {
    expect(schedulePreview({ steps: [], repeat: 3 }, T0)).toEqual([]);
  });
});

describe('which policy an incident starts', () => {
  const service = (name: string, tier: number, escalationPolicyId: string | null, escalationPolicies = {}) => ({
    name,
    tier,
    escalationPolicyId,
    escalationPolicies,
  });

  it('takes the most critical service with a policy, its severity’s policy before its default', () => {
    const services = [service('search', 3, 'search-default'), service('checkout', 1, 'checkout-default', { critical: 'checkout-critical' })];
    expect(choosePolicy(services, 'critical')).toBe('checkout-critical');
    expect(choosePolicy(services, 'high')).toBe('checkout-default');
    expect(choosePolicy([service('checkout', 1, null), service('search', 3, 'search-default')], 'low')).toBe('search-default');
    expect(choosePolicy([service('checkout', 1, null)], 'critical')).toBeNull();
    expect(choosePolicy([], 'critical')).toBeNull();
  });
});

describe('reaching a person', () => {
  const channels = [
    { id: 'mail-b', kind: 'email', name: 'relay b', muted: false },
    { id: 'mail-a', kind: 'email', name: 'relay a', muted: false },
    { id: 'push', kind: 'ntfy', name: 'push', muted: true },
    { id: 'hook', kind: 'webhook', name: 'ana hook', muted: false },
  ];

  it('uses the channel a method names, else the first unmuted channel of its kind, and says why when none', () => {
    const routes = routeContacts(
      [
        { kind: 'email', target: 'ana@example.com' },
        { kind: 'ntfy', target: 'ana-pages' },
        { kind: 'webhook', target: 'ana', channelId: 'hook' },
        { kind: 'slack', target: '@ana', channelId: 'gone' },
        { kind: 'ntfy', target: 'ana-pages', channelId: 'push' },
      ],
      channels
    );
    expect(routes.map((r) => r.channel?.id ?? r.problem)).toEqual([
      'mail-a',
      'there is no ntfy channel to carry it',
      'hook',
      'its channel no longer exists',
      'its channel push is muted',
    ]);
  });
});
