import type {
  CorrelationRun,
  Finding,
  Hypothesis,
  Postmortem,
  SourceRun,
  TimelineEvent,
  TimelineEventType,
} from '../api/types';

let seq = 0;
const next = () => String(++seq).padStart(12, '0');
const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();

/** A finding as GET /correlations returns it; override what the test is about. */
export function makeFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    id: `f0000000-0000-4000-8000-${next()}`,
    incidentId: 'i1',
    runId: 'r1',
    source: 'prometheus',
    service: 'checkout',
    signal: 'error_ratio',
    score: 0.9,
    rank: 1,
    summary: 'checkout error ratio rose',
    query: 'sum(rate(errors[5m]))',
    window: { start: at(30), end: at(0) },
    baseline: { start: at(90), end: at(30) },
    changedAt: at(20),
    exploreUrl: '/explore?schemaVersion=1',
    data: {},
    computedAt: at(0),
    ...overrides,
  };
}

const ok: SourceRun = { status: 'ok', message: null, durationMs: 100, findings: 1 };

/** A finished correlation run; `sources` overrides single sources. */
export function makeRun(sources: Partial<CorrelationRun['sources']> = {}): CorrelationRun {
  return {
    id: 'r1',
    incidentId: 'i1',
    trigger: 'created',
    startedAt: at(1),
    finishedAt: at(0),
    window: { start: at(30), end: at(0) },
    baseline: { start: at(90), end: at(30) },
    sources: { prometheus: ok, loki: ok, tempo: ok, change: ok, ...sources },
  };
}

export function makeHypothesis(overrides: Partial<Hypothesis> = {}): Hypothesis {
  return {
    id: `h0000000-0000-4000-8000-${next()}`,
    incidentId: 'i1',
    statement: 'The deploy broke it',
    status: 'open',
    owner: null,
    evidence: [],
    origin: 'user',
    createdBy: 'alice',
    createdAt: at(10),
    updatedAt: at(10),
    decidedBy: null,
    decidedAt: null,
    decisionNote: null,
    version: 1,
    ...overrides,
  };
}

/** An entry of kind `type`; its `data` is empty unless given (the UI must cope with that too). */
export function makeTimelineEvent<T extends TimelineEventType>(
  type: T,
  overrides: Partial<Extract<TimelineEvent, { type: T }>> = {}
): Extract<TimelineEvent, { type: T }> {
  return {
    id: `e0000000-0000-4000-8000-${next()}`,
    incidentId: 'i1',
    type,
    occurredAt: at(5),
    author: 'alice',
    source: 'user',
    message: `${type} happened`,
    data: {},
    ...overrides,
  } as Extract<TimelineEvent, { type: T }>;
}

export function makePostmortem(overrides: Partial<Postmortem> = {}): Postmortem {
  return {
    incidentId: 'i1',
    reference: 'INC-7',
    title: 'Checkout down',
    severity: 'critical',
    status: 'resolved',
    startedAt: at(90),
    resolvedAt: at(30),
    durationMs: 60 * 60_000,
    services: [{ id: 's1', name: 'checkout', impact: 'major' }],
    timeline: [],
    hypotheses: [],
    pinnedEvidence: [],
    budgetBurned: null,
    edits: { summary: '', impact: '', rootCause: '', lessons: '', followUps: [] },
    version: 0,
    generatedAt: at(0),
    ...overrides,
  };
}
