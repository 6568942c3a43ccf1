import type {
  Escalation,
  EscalationPage,
  EscalationPolicy,
  FiredEscalationStep,
  OnCall,
  OnCallSegment,
  Person,
  ScheduleTimeline,
} from '../api/types';

let seq = 0;
const uuid = (prefix: string) => `${prefix}0000000-0000-4000-8000-${String(++seq).padStart(12, '0')}`;
const NOW = '2026-03-02T10:00:00.000Z';
const HOUR = 3_600_000;
export const isoIn = (hours: number, from = Date.now()) => new Date(from + hours * HOUR).toISOString();

export function makePerson(name: string, overrides: Partial<Person> = {}): Person {
  return {
    id: uuid('a'),
    login: name.toLowerCase(),
    name,
    email: `${name.toLowerCase()}@example.com`,
    timeZone: 'Europe/Berlin',
    contactMethods: [{ kind: 'email', target: `${name.toLowerCase()}@example.com` }],
    hasCalendarFeed: true,
    createdBy: 'admin',
    createdAt: NOW,
    updatedAt: NOW,
    version: 1,
    ...overrides,
  };
}

/** Who is on call from `start` to `end` (hours from now); a null person is a gap. */
export function segment(person: Person | null, start: number, end: number): OnCallSegment {
  return {
    personId: person?.id ?? null,
    personName: person?.name ?? null,
    start: isoIn(start),
    end: isoIn(end),
    reason: person ? { kind: 'layer', layerId: 'e0000000-0000-4000-8000-000000000001' } : { kind: 'gap' },
  };
}

export function makeOnCall(name: string, current: OnCallSegment, next: OnCallSegment | null): OnCall {
  return { scheduleId: uuid('5'), scheduleName: name, at: new Date().toISOString(), current, next };
}

/** Two weeks of a one-layer schedule: the layer's shifts, no overrides, the combined segments as given. */
export function makeTimeline(shifts: Array<[Person, number, number]>, segments: OnCallSegment[]): ScheduleTimeline {
  return {
    from: isoIn(0),
    to: isoIn(14 * 24),
    segments,
    gaps: segments.filter((s) => s.personId === null),
    layers: [
      {
        layerId: 'e0000000-0000-4000-8000-000000000001',
        name: 'Weekly',
        shifts: shifts.map(([p, start, end]) => ({
          personId: p.id,
          personName: p.name,
          start: isoIn(start),
          end: isoIn(end),
        })),
      },
    ],
    overrides: [],
  };
}

export function makePolicy(overrides: Partial<EscalationPolicy> = {}): EscalationPolicy {
  return {
    id: uuid('f'),
    name: 'Payments',
    description: '',
    steps: [],
    repeat: 0,
    createdBy: 'admin',
    createdAt: NOW,
    updatedAt: NOW,
    version: 1,
    ...overrides,
  };
}

export function makePage(overrides: Partial<EscalationPage> = {}): EscalationPage {
  return {
    deliveryId: uuid('d'),
    channelId: 'c0000000-0000-4000-8000-000000000001',
    channelName: 'email',
    channelKind: 'email',
    recipient: { personId: 'a1', login: 'sam', name: 'Sam', kind: 'email', target: 'sam@example.com' },
    state: 'delivered',
    attempts: 1,
    lastError: null,
    deliveredAt: NOW,
    ...overrides,
  };
}

export function makeFiredStep(overrides: Partial<FiredEscalationStep> = {}): FiredEscalationStep {
  return {
    id: uuid('b'),
    step: 0,
    pass: 0,
    trigger: 'start',
    target: { kind: 'schedule', id: 's1', name: 'Primary', personId: 'a1', personName: 'Sam' },
    urgency: 'high',
    problem: null,
    firedBy: 'system',
    firedAt: NOW,
    pages: [makePage()],
    ...overrides,
  };
}

export function makeEscalation(incidentId: string, overrides: Partial<Escalation> = {}): Escalation {
  return {
    incidentId,
    policyId: 'f0000000-0000-4000-8000-000000000001',
    policyName: 'Payments',
    state: 'active',
    step: 1,
    pass: 0,
    totalSteps: 2,
    repeat: 0,
    nextStepAt: isoIn(0.25),
    version: 1,
    startedBy: 'alertmanager',
    startedAt: NOW,
    stoppedAt: null,
    stoppedBy: null,
    steps: [makeFiredStep()],
    ...overrides,
  };
}
