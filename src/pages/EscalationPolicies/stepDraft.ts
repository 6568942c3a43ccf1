import type { EscalationStep, EscalationTargetKind, Urgency } from '../../api/types';

/** A step as the form holds it: the wait as typed, and a target that may not be chosen yet. */
export interface StepDraft {
  kind: EscalationTargetKind;
  targetId: string | null;
  wait: string;
  urgency: Urgency;
}

export const emptyStep = (): StepDraft => ({ kind: 'schedule', targetId: null, wait: '5', urgency: 'high' });

export function toDraft(step: EscalationStep): StepDraft {
  const { target } = step;
  const targetId =
    target.kind === 'schedule' ? target.scheduleId : target.kind === 'person' ? target.personId : target.channelId;
  return { kind: target.kind, targetId, wait: String(step.waitMinutes), urgency: step.urgency };
}

/** The wait in minutes, or null when it is not a number from 0 to a day. */
export function parseWait(wait: string): number | null {
  const minutes = Number(wait.trim());
  return wait.trim() !== '' && Number.isFinite(minutes) && minutes >= 0 && minutes <= 24 * 60 ? minutes : null;
}

/** The step for the API, or null while its target is not chosen or its wait is not valid. */
export function fromDraft(draft: StepDraft): EscalationStep | null {
  const waitMinutes = parseWait(draft.wait);
  if (!draft.targetId || waitMinutes === null) {
    return null;
  }
  const target =
    draft.kind === 'schedule'
      ? { kind: 'schedule' as const, scheduleId: draft.targetId }
      : draft.kind === 'person'
        ? { kind: 'person' as const, personId: draft.targetId }
        : { kind: 'channel' as const, channelId: draft.targetId };
  return { target, waitMinutes, urgency: draft.urgency };
}
