/**
 * The postmortem draft and its Markdown export, checked by parsing the output with a real Markdown (GFM) lexer:
 * sections, the metadata table, the timeline, verdicts, evidence queries in code blocks, the task list, and
 * people's text that tries to break the document's structure.
 */
import { Lexer, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';
import {
  draftEdits,
  formatDuration,
  renderPostmortemMarkdown,
  type PostmortemDocument,
} from '../src/domain/postmortem.js';

const base: PostmortemDocument = {
  reference: 'INC-7',
  title: 'Checkout errors',
  severity: 'critical',
  status: 'resolved',
  startedAt: '2025-03-01T10:00:00.000Z',
  resolvedAt: '2025-03-01T11:05:00.000Z',
  durationMs: 65 * 60_000,
  services: [
    { name: 'checkout', impact: 'major' },
    { name: 'ledger', impact: 'minor' },
  ],
  timeline: [
    { occurredAt: '2025-03-01T10:00:00.000Z', author: 'alertmanager', type: 'created', message: 'INC-7 declared' },
    { occurredAt: '2025-03-01T10:12:30.000Z', author: 'dana', type: 'note', message: 'rolled back 1.42' },
  ],
  hypotheses: [
    {
      statement: 'The 1.42 deploy broke payments',
      status: 'confirmed',
      owner: 'sam',
      decidedBy: 'lee',
      decidedAt: '2025-03-01T10:40:00.000Z',
      decisionNote: 'rollback fixed it',
    },
    {
      statement: 'DNS',
      status: 'refuted',
      owner: null,
      decidedBy: 'lee',
      decidedAt: '2025-03-01T10:20:00.000Z',
      decisionNote: null,
    },
    { statement: 'Cache stampede', status: 'open', owner: null, decidedBy: null, decidedAt: null, decisionNote: null },
  ],
  pinnedEvidence: [
    {
      source: 'prometheus',
      service: 'checkout',
      signal: 'error_ratio',
      score: 0.912,
      summary: 'Error ratio of checkout rose from 0.1 % to 12 %',
      query: 'sum(rate(http_requests_total{service="checkout",code=~"5.."}[5m]))',
      window: { start: '2025-03-01T09:55:00.000Z', end: '2025-03-01T11:05:00.000Z' },
      changedAt: '2025-03-01T10:02:00.000Z',
      exploreUrl: '/explore?left={"queries":[1]} (x)',
      data: { baselineValue: 0.001, currentValue: 0.12 },
    },
    {
      source: 'loki',
      service: 'checkout',
      signal: 'log_pattern',
      score: 0.7,
      summary: 'New pattern: payment failed',
      query: '{service="checkout"} |= "```"',
      window: { start: '2025-03-01T09:55:00.000Z', end: '2025-03-01T11:05:00.000Z' },
      changedAt: null,
      exploreUrl: null,
      data: { samples: [{ at: '2025-03-01T10:03:00.000Z', line: 'payment failed: timeout' }] },
    },
  ],
  budgetBurned: [
    { sloId: 'x', slo: 'availability', service: 'checkout', budgetMinutes: 12.345, budgetPercent: 28.571 },
  ],
  edits: {
    summary: 'Checkout failed for an hour.',
    impact: 'Customers could not pay.',
    rootCause: 'A deploy.',
    lessons: '',
    followUps: [
      { title: 'Canary deploys', owner: 'sam', done: false },
      { title: 'Alert on error ratio', owner: null, done: true },
    ],
  },
  generatedAt: '2025-03-02T08:00:00.000Z',
};

const lex = (md: string) => new Lexer({ gfm: true }).lex(md);
const headings = (md: string, depth: number) =>
  lex(md)
    .filter((t): t is Tokens.Heading => t.type === 'heading' && t.depth === depth)
    .map((t) => t.text);
/** The tokens between the `## title` heading and the next one. */
function sectionTokens(md: string, title: string) {
  const tokens = lex(md).filter((t) => t.type !== 'space');
  const start = tokens.findIndex(
    (t) => t.type === 'heading' && (t as Tokens.Heading).depth === 2 && (t as Tokens.Heading).text === title
  );
  expect(start, `section ${title}`).toBeGreaterThanOrEqual(0);
  const end = tokens.findIndex((t, n) => n > start && t.type === 'heading' && (t as Tokens.Heading).depth <= 2);
  return tokens.slice(start + 1, end === -1 ? undefined : end);
}
const listItems = (md: string, title: string) =>
  (sectionTokens(md, title).find((t) => t.type === 'list') as Tokens.List).items.map((i) => i.text);

describe('renderPostmortemMarkdown', () => {
  const md = renderPostmortemMarkdown(base);

  it('has a title, and one section per part of the review in order', () => {
    expect(headings(md, 1)).toEqual(['INC-7: Checkout errors']);
    expect(headings(md, 2)).toEqual([
      'Summary',
      'Impact',
      'Impacted services',
      'Timeline',
      'Hypotheses',
      'Root cause',
      'Pinned evidence',
      'Error budget burned',
      'Lessons',
      'Follow-up actions',
    ]);
    expect(sectionTokens(md, 'Lessons')[0]).toMatchObject({ type: 'paragraph', text: '_None recorded._' });
  });

  it('puts the facts in a metadata table', () => {
    const tableToken = lex(md).find((t) => t.type === 'table') as Tokens.Table;
    expect(tableToken.rows.map((r) => [r[0]!.text, r[1]!.text])).toEqual([
      ['Severity', 'critical'],
      ['Status', 'resolved'],
      ['Started', '2025-03-01 10:00:00 UTC'],
      ['Resolved', '2025-03-01 11:05:00 UTC'],
      ['Duration', '1 h 5 min'],
      ['Services', 'checkout, ledger'],
    ]);
  });

  it('lists the timeline with times, hypotheses with verdicts, and follow-ups as a task list', () => {
    expect(listItems(md, 'Timeline')).toEqual([
      '2025-03-01 10:00:00 UTC, alertmanager: INC-7 declared',
      '2025-03-01 10:12:30 UTC, dana: rolled back 1.42',
    ]);
    expect(listItems(md, 'Hypotheses')).toEqual([
      '**Confirmed**: The 1.42 deploy broke payments (by lee, 2025-03-01 10:40:00 UTC: rollback fixed it); owner sam',
      '**Refuted**: DNS (by lee, 2025-03-01 10:20:00 UTC)',
      '**Open**: Cache stampede',
    ]);
    const tasks = (sectionTokens(md, 'Follow-up actions')[0] as Tokens.List).items;
    expect(tasks.map((t) => [t.task, t.checked])).toEqual([
      [true, false],
      [true, true],
    ]);
    expect(tasks[0]!.text).toContain('Canary deploys (owner: sam)');
  });

  it('shows each pinned finding with its query in a code block that its own backticks cannot close', () => {
    const evidence = sectionTokens(md, 'Pinned evidence');
    expect(evidence.filter((t) => t.type === 'heading').map((t) => (t as Tokens.Heading).text)).toEqual([
      'prometheus · error\\_ratio · checkout: Error ratio of checkout rose from 0.1 % to 12 %',
      'loki · log\\_pattern · checkout: New pattern: payment failed',
    ]);
    const code = evidence.filter((t): t is Tokens.Code => t.type === 'code');
    expect(code.map((c) => [c.lang, c.text])).toEqual([
      ['promql', base.pinnedEvidence[0]!.query],
      ['logql', '{service="checkout"} |= "```"'],
      ['text', '2025-03-01T10:03:00.000Z payment failed: timeout'],
    ]);
    const explore = lex(md)
      .flatMap((t) => ('tokens' in t && t.tokens ? t.tokens : []))
      .find((t): t is Tokens.Link => t.type === 'link');
    expect(explore?.href).toBe('/explore?left={"queries":[1]}%20(x)');
    expect(md).toContain('Score 0.91; window 2025-03-01 09:55:00 UTC to 2025-03-01 11:05:00 UTC; changed at');
    expect(md).toContain('0.001 before, 0.12 during');
  });

  it('states the budget burned per SLO, or that it is unknown', () => {
    const budget = sectionTokens(md, 'Error budget burned')[0] as Tokens.Table;
    expect(budget.rows.map((r) => r.map((c) => c.text))).toEqual([['availability', 'checkout', '28.57 %', '12.3']]);
    const unknown = renderPostmortemMarkdown({ ...base, budgetBurned: null });
    expect(sectionTokens(unknown, 'Error budget burned')[0]).toMatchObject({ type: 'paragraph' });
    expect(unknown).toContain('Unknown: Prometheus could not be asked');
  });

  it('keeps people’s text from breaking the structure', () => {
    const hostile = renderPostmortemMarkdown({
      ...base,
      title: 'Cards | wallets\n# not a heading',
      services: [{ name: 'a|b', impact: 'major' }],
      timeline: [
        { occurredAt: base.startedAt, author: 'eve', type: 'note', message: 'line one\n\n## Injected\n- item' },
      ],
      hypotheses: [{ ...base.hypotheses[2]!, statement: '# 1. [click](javascript:alert(1)) <img src=x> *bold*' }],
      edits: {
        ...base.edits,
        summary: '# My own heading\n```\nan unclosed fence',
        impact: 'Still here',
        followUps: [{ title: '[ ] nested\n- [x] fake', owner: null, done: false }],
      },
    });
    // The same sections, none added or swallowed: the open fence is closed and "# My own heading" demoted.
    expect(headings(hostile, 2)).toEqual(headings(md, 2));
    // (marked gives the heading's source text: the escape that keeps the | literal is still in it)
    expect(headings(hostile, 1)).toEqual(['INC-7: Cards \\| wallets # not a heading']);
    expect(headings(hostile, 3)).toContain('My own heading');
    expect(sectionTokens(hostile, 'Impact')[0]).toMatchObject({ type: 'paragraph', text: 'Still here' });
    const meta = lex(hostile).find((t) => t.type === 'table') as Tokens.Table;
    expect(meta.rows.every((r) => r.length === 2)).toBe(true);
    expect(meta.rows[5]![1]!.text).toBe('a|b'); // one cell, the | kept as text
    expect(listItems(hostile, 'Timeline')).toHaveLength(1);
    const statement = sectionTokens(hostile, 'Hypotheses')[0] as Tokens.List;
    expect(statement.items).toHaveLength(1);
    const inline = statement.items[0]!.tokens.flatMap((t) => ('tokens' in t && t.tokens ? t.tokens : []));
    expect(inline.some((t) => t.type === 'link' || t.type === 'html' || t.type === 'em' || t.type === 'heading')).toBe(
      false
    );
    const tasks = (sectionTokens(hostile, 'Follow-up actions')[0] as Tokens.List).items;
    expect(tasks.map((t) => t.checked)).toEqual([false]);
  });
});

describe('draftEdits', () => {
  const facts = {
    ...base,
    description: 'Payments failed with 502s.',
    hypotheses: base.hypotheses,
  };

  it('drafts summary, impact and root cause from the incident', () => {
    const draft = draftEdits(facts);
    expect(draft.summary).toBe(
      'INC-7 (critical): Checkout errors.\n\nPayments failed with 502s.\n\n' +
        'It started at 2025-03-01 10:00:00 UTC and was resolved at 2025-03-01 11:05:00 UTC, after 1 h 5 min.'
    );
    expect(draft.impact).toBe(
      'Impacted services: checkout (major), ledger (minor).\n\nError budget burned:\n' +
        '- checkout / availability: 28.57 % of the budget (12.3 min)'
    );
    expect(draft.rootCause).toBe('- The 1.42 deploy broke payments (rollback fixed it)');
    expect(draft).toMatchObject({ lessons: '', followUps: [] });
  });

  it('says what is not known yet', () => {
    const draft = draftEdits({
      ...facts,
      status: 'investigating',
      resolvedAt: null,
      description: '',
      services: [],
      budgetBurned: null,
      hypotheses: [],
      durationMs: 42_000,
    });
    expect(draft.summary).toBe(
      'INC-7 (critical): Checkout errors.\n\nIt started at 2025-03-01 10:00:00 UTC and is still investigating after 42 s.'
    );
    expect(draft.impact).toBe(
      'No impacted services were recorded.\n\nError budget burned: unknown (Prometheus could not be asked).'
    );
    expect(draft.rootCause).toBe('No hypothesis was confirmed.');
  });

  it('formats durations as a reader wants them', () => {
    expect([0, 59_000, 60_000, 3_600_000, 3_660_000, 86_400_000, 90_000_000].map(formatDuration)).toEqual([
      '0 s',
      '59 s',
      '1 min',
      '1 h',
      '1 h 1 min',
      '1 d',
      '1 d 1 h',
    ]);
  });
});
