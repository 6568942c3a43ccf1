import type { EscalationStep, OnCall } from '../../api/types';

/** Names the preview needs: people and channels by id, and each schedule's on-call right now. */
export interface PreviewLookups {
  people: Map<string, string>;
  channels: Map<string, string>;
  onCall: Map<string, OnCall>;
}

/** A wait as people say it: "5 min", "1.5 min", "30 s". */
export function formatMinutes(minutes: number): string {
  if (minutes > 0 && minutes < 1) {
    return `${Math.round(minutes * 60)} s`;
  }
  return `${Math.round(minutes * 10) / 10} min`;
}

/** Who a step would page if it fired now. */
export function targetName(step: Pick<EscalationStep, 'target'>, lookups: PreviewLookups): string {
  const { target } = step;
  if (target.kind === 'person') {
    return lookups.people.get(target.personId) ?? 'an unknown person';
  }
  if (target.kind === 'channel') {
    return lookups.channels.get(target.channelId) ?? 'an unknown channel';
  }
  const onCall = lookups.onCall.get(target.scheduleId);
  if (!onCall) {
    return 'the on-call of an unknown schedule';
  }
  return onCall.current.personName ?? `nobody (${onCall.scheduleName} has a gap now)`;
}

/**
 * The policy as a sentence: "If checkout paged now: alex at 0 min, sam at 5 min, #payments at 15 min". Each step
 * fires after the waits of the steps before it; a repeated policy starts over after the last step's wait.
 */
export function previewSentence(
  policy: { steps: Array<Pick<EscalationStep, 'target' | 'waitMinutes'>>; repeat: number },
  lookups: PreviewLookups,
  serviceName?: string
): string {
  let at = 0;
  const parts = policy.steps.map((step) => {
    const part = `${targetName(step, lookups)} at ${formatMinutes(at)}`;
    at += Number.isFinite(step.waitMinutes) ? step.waitMinutes : 0;
    return part;
  });
  const who = serviceName ? `If ${serviceName} paged now` : 'If paged now';
  if (parts.length === 0) {
    return `${who}: nobody (the policy has no steps).`;
  }
  const repeat =
    policy.repeat > 0
      ? `, then again from the first step every ${formatMinutes(at)}, ${policy.repeat} more time${policy.repeat === 1 ? '' : 's'}`
      : '';
  return `${who}: ${parts.join(', ')}${repeat}.`;
}
