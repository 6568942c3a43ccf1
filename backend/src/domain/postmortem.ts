/**
 * The postmortem (review) of an incident: the draft written from the incident's facts until people edit it, and
 * the Markdown export. Pure: the route gathers the facts, this turns them into text.
 */
import type { IncidentStatus, Severity } from './incidents.js';
import { blockText, codeBlock, escapeInline, link, table } from './markdown.js';

export interface FollowUp {
  title: string;
  owner: string | null;
  done: boolean;
}

export interface PostmortemEdits {
  summary: string;
  impact: string;
  rootCause: string;
  lessons: string;
  followUps: FollowUp[];
}

export interface BudgetBurned {
  sloId: string;
  slo: string;
  service: string;
  budgetMinutes: number;
  budgetPercent: number;
}

/** The parts of the wire's Postmortem this module reads (timestamps as ISO strings). */
export interface PostmortemDocument {
  reference: string;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  startedAt: string;
  resolvedAt: string | null;
  durationMs: number;
  services: Array<{ name: string; impact: 'major' | 'partial' | 'minor' }>;
  timeline: Array<{ occurredAt: string; author: string; type: string; message: string }>;
  hypotheses: Array<{
    statement: string;
    status: 'open' | 'confirmed' | 'refuted';
    owner: string | null;
    decidedBy: string | null;
    decidedAt: string | null;
    decisionNote: string | null;
  }>;
  pinnedEvidence: Array<{
    source: string;
    service: string | null;
    signal: string;
    score: number;
    summary: string;
    query: string;
    window: { start: string; end: string };
    changedAt: string | null;
    exploreUrl: string | null;
    data: {
      baselineValue?: number | null;
      currentValue?: number | null;
      samples?: Array<{ at: string; line: string }>;
      traces?: Array<{ traceId: string; rootService: string; rootName: string; durationMs: number | null }>;
    };
  }>;
  budgetBurned: BudgetBurned[] | null;
  edits: PostmortemEdits;
  generatedAt: string;
}

/** "3 d 4 h", "2 h 5 min", "45 min", "30 s": the precision a reader of a review wants. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const [d, h, m] = [Math.floor(s / 86_400), Math.floor((s % 86_400) / 3600), Math.floor((s % 3600) / 60)];
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  return m > 0 ? `${m} min` : `${s} s`;
}

/** "2025-03-01 10:07:12 UTC": one time zone for everyone reading the document. */
export function formatTime(isoTime: string): string {
  return `${isoTime.slice(0, 10)} ${isoTime.slice(11, 19)} UTC`;
}

const round = (n: number, digits: number) => Number(n.toFixed(digits));

/** The facts a draft is written from. */
export interface DraftFacts {
  reference: string;
  title: string;
  description: string;
  severity: Severity;
  status: IncidentStatus;
  startedAt: string;
  resolvedAt: string | null;
  durationMs: number;
  services: PostmortemDocument['services'];
  budgetBurned: BudgetBurned[] | null;
  hypotheses: PostmortemDocument['hypotheses'];
}

/**
 * The first draft of what people write: a summary from the title, description, status and duration; the impact
 * from the impacted services and the error budget they burned; the root cause from the confirmed hypotheses.
 * Lessons and follow-ups are left for people: the studio cannot know them.
 */
export function draftEdits(facts: DraftFacts): PostmortemEdits {
  const duration = formatDuration(facts.durationMs);
  const when =
    facts.resolvedAt !== null
      ? `It started at ${formatTime(facts.startedAt)} and was resolved at ${formatTime(facts.resolvedAt)}, after ${duration}.`
      : `It started at ${formatTime(facts.startedAt)} and is still ${facts.status} after ${duration}.`;
  const summary = [`${facts.reference} (${facts.severity}): ${facts.title}.`, facts.description.trim(), when]
    .filter(Boolean)
    .join('\n\n');

  const services =
    facts.services.length > 0
      ? `Impacted services: ${facts.services.map((s) => `${s.name} (${s.impact})`).join(', ')}.`
      : 'No impacted services were recorded.';
  const budget =
    facts.budgetBurned === null
      ? 'Error budget burned: unknown (Prometheus could not be asked).'
      : facts.budgetBurned.length === 0
        ? ''
        : [
            'Error budget burned:',
            ...facts.budgetBurned.map(
              (b) =>
                `- ${b.service} / ${b.slo}: ${round(b.budgetPercent, 2)} % of the budget (${round(b.budgetMinutes, 1)} min)`
            ),
          ].join('\n');
  const impact = [services, budget].filter(Boolean).join('\n\n');

  const confirmed = facts.hypotheses.filter((h) => h.status === 'confirmed');
  const rootCause =
    confirmed.length > 0
      ? confirmed.map((h) => `- ${h.statement}${h.decisionNote ? ` (${h.decisionNote})` : ''}`).join('\n')
      : 'No hypothesis was confirmed.';
  return { summary, impact, rootCause, lessons: '', followUps: [] };
}

const VERDICT: Record<PostmortemDocument['hypotheses'][number]['status'], string> = {
  confirmed: 'Confirmed',
  refuted: 'Refuted',
  open: 'Open',
};

const QUERY_LANGUAGE: Record<string, string> = { prometheus: 'promql', loki: 'logql', tempo: 'traceql' };

function section(title: string, body: string, empty = '_None recorded._'): string {
  return `## ${title}\n\n${body.trim() || empty}`;
}

function hypothesisLine(h: PostmortemDocument['hypotheses'][number]): string {
  const decided =
    h.status !== 'open' && h.decidedBy && h.decidedAt
      ? ` (by ${escapeInline(h.decidedBy)}, ${formatTime(h.decidedAt)}${h.decisionNote ? `: ${escapeInline(h.decisionNote)}` : ''})`
      : '';
  const owner = h.owner ? `; owner ${escapeInline(h.owner)}` : '';
  return `- **${VERDICT[h.status]}**: ${escapeInline(h.statement)}${decided}${owner}`;
}

function evidenceBlock(f: PostmortemDocument['pinnedEvidence'][number]): string {
  const about = [f.source, f.signal, f.service].filter(Boolean).join(' · ');
  const facts = [
    `Score ${round(f.score, 2)}`,
    `window ${formatTime(f.window.start)} to ${formatTime(f.window.end)}`,
    f.changedAt ? `changed at ${formatTime(f.changedAt)}` : null,
    typeof f.data.baselineValue === 'number' && typeof f.data.currentValue === 'number'
      ? `${f.data.baselineValue} before, ${f.data.currentValue} during`
      : null,
  ].filter(Boolean);
  const parts = [`### ${escapeInline(about)}: ${escapeInline(f.summary)}`, `${facts.join('; ')}.`];
  if (f.query) parts.push(codeBlock(f.query, QUERY_LANGUAGE[f.source] ?? ''));
  if (f.exploreUrl) parts.push(link('Open in Explore', f.exploreUrl));
  const samples = f.data.samples?.slice(0, 5) ?? [];
  if (samples.length > 0) parts.push(codeBlock(samples.map((s) => `${s.at} ${s.line}`).join('\n'), 'text'));
  const traces = f.data.traces?.slice(0, 5) ?? [];
  if (traces.length > 0) {
    parts.push(
      traces
        .map((t) => {
          const took = t.durationMs === null ? '' : `, ${t.durationMs} ms`;
          return `- \`${t.traceId}\` ${escapeInline(`${t.rootService} ${t.rootName}`)}${took}`;
        })
        .join('\n')
    );
  }
  return parts.join('\n\n');
}

function budgetSection(budget: BudgetBurned[] | null): string {
  if (budget === null) return '_Unknown: Prometheus could not be asked when this was generated._';
  if (budget.length === 0) return '_No SLO covers the impacted services._';
  return table(
    ['SLO', 'Service', 'Budget burned', 'Minutes'],
    budget.map((b) => [
      escapeInline(b.slo),
      escapeInline(b.service),
      `${round(b.budgetPercent, 2)} %`,
      `${round(b.budgetMinutes, 1)}`,
    ])
  );
}

/** The postmortem as one Markdown document (GitHub-flavoured: tables and task lists). */
export function renderPostmortemMarkdown(pm: PostmortemDocument): string {
  const meta = table(
    ['Field', 'Value'],
    [
      ['Severity', pm.severity],
      ['Status', pm.status],
      ['Started', formatTime(pm.startedAt)],
      ['Resolved', pm.resolvedAt ? formatTime(pm.resolvedAt) : 'not yet'],
      ['Duration', formatDuration(pm.durationMs)],
      ['Services', pm.services.map((s) => escapeInline(s.name)).join(', ') || 'none recorded'],
    ]
  );
  const services = pm.services.map((s) => `- **${escapeInline(s.name)}**: ${s.impact}`).join('\n');
  const timeline = pm.timeline
    .map((e) => `- ${formatTime(e.occurredAt)}, ${escapeInline(e.author)}: ${escapeInline(e.message)}`)
    .join('\n');
  const followUps = pm.edits.followUps
    .map(
      (f) => `- [${f.done ? 'x' : ' '}] ${escapeInline(f.title)}${f.owner ? ` (owner: ${escapeInline(f.owner)})` : ''}`
    )
    .join('\n');
  return (
    [
      `# ${escapeInline(`${pm.reference}: ${pm.title}`)}`,
      meta,
      section('Summary', blockText(pm.edits.summary)),
      section('Impact', blockText(pm.edits.impact)),
      section('Impacted services', services),
      section('Timeline', timeline),
      section('Hypotheses', pm.hypotheses.map(hypothesisLine).join('\n')),
      section('Root cause', blockText(pm.edits.rootCause)),
      section('Pinned evidence', pm.pinnedEvidence.map(evidenceBlock).join('\n\n')),
      section('Error budget burned', budgetSection(pm.budgetBurned)),
      section('Lessons', blockText(pm.edits.lessons)),
      section('Follow-up actions', followUps, '_None yet._'),
      `_Generated by Reliability Studio at ${formatTime(pm.generatedAt)}._`,
    ].join('\n\n') + '\n'
  );
}
