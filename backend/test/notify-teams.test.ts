/**
 * The Teams channel: the card validated by Microsoft's Adaptive Cards library (parsed for version 1.4, every
 * validation event a failure, and nothing in it the parser does not know), plain text for incident content,
 * and the faults of a Workflows-style receiver on loopback (which answers 202).
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADAPTIVE_CARD_CONTENT_TYPE,
  buildTeamsCard,
  buildTeamsMessage,
  teamsSender,
} from '../src/notify/channels/teams.js';
import {
  context,
  deliveryError,
  itMapsHttpFaults,
  sampleMessage,
  startReceiver,
  type Receiver,
} from './support/notifyReceiver.js';

// The package's ES build imports without file extensions (written for bundlers); its UMD bundle loads in Node.
const AdaptiveCards = createRequire(import.meta.url)(
  'adaptivecards/dist/adaptivecards.js'
) as typeof import('adaptivecards');

const TRIGGER_PATH = '/workflows/abc123/triggers/manual/paths/invoke?api-version=1&sig=S1gnatureSecret';

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver(() => ({ status: 202 }));
});
afterAll(async () => {
  await receiver.close();
});

/** What the Adaptive Cards library says about a card, read as Teams would (version 1.4). */
function validateCard(json: object): { problems: string[]; reserialized: unknown } {
  const card = new AdaptiveCards.AdaptiveCard();
  const serialization = new AdaptiveCards.SerializationContext(AdaptiveCards.Versions.v1_4);
  card.parse(json, serialization);
  const problems: string[] = [];
  for (let i = 0; i < serialization.eventCount; i++) problems.push(`parse: ${serialization.getEventAt(i).message}`);
  for (const event of card.validateProperties().validationEvents) problems.push(`validate: ${event.message}`);
  return { problems, reserialized: card.toJSON() };
}

/** The card as the library writes it back: Teams-only extensions (msteams) are not part of the schema. */
function withoutHostExtensions(card: object): object {
  const { msteams: _, ...rest } = card as { msteams?: unknown };
  return rest;
}

describe('Teams card', () => {
  it('is a valid Adaptive Card 1.4 that the library reads back unchanged', () => {
    const card = buildTeamsCard(sampleMessage());
    const { problems, reserialized } = validateCard(card);
    expect(problems).toEqual([]);
    expect(reserialized).toEqual(withoutHostExtensions(card));
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.4', msteams: { width: 'Full' } });
  });

  it('the validation catches what Teams would not render (so the test above can fail)', () => {
    const { problems } = validateCard({
      type: 'AdaptiveCard',
      version: '1.4',
      body: [
        { type: 'Table', columns: [], rows: [] },
        { type: 'TextBlock', text: 'x', style: 'heading' },
      ],
      actions: [{ type: 'Action.OpenUrl', title: 'Open' }],
    });
    expect(problems).toEqual([
      expect.stringContaining('Unknown element type "Table"'),
      expect.stringContaining('"style" is supported in version 1.5'),
      expect.stringContaining('"url" must be set'),
    ]);
  });

  it('shows the same content as the other channels, with Action.OpenUrl for the war room and acknowledge', () => {
    const message = sampleMessage();
    const card = buildTeamsCard(message);
    const text = JSON.stringify(card.body);
    for (const expected of [
      message.headline,
      'Critical',
      'Investigating',
      'checkout, payments',
      'alice',
      'Severity raised from high to critical.',
      '• p99 latency up 4x after deploy (checkout, prometheus, score 0.82)',
    ]) {
      expect(text).toContain(JSON.stringify(expected).slice(1, -1));
    }
    expect(card.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Open war room', url: message.links.warRoom },
      { type: 'Action.OpenUrl', title: 'Acknowledge', url: message.links.acknowledge, style: 'positive' },
    ]);
    const acknowledged = buildTeamsCard(
      sampleMessage({ links: { warRoom: message.links.warRoom, acknowledge: null } })
    );
    expect(acknowledged.actions.map((a) => a.title)).toEqual(['Open war room']);
  });

  it('puts incident text only in TextRuns, which Teams never reads as Markdown', () => {
    const hostile = '**urgent** [click here](https://evil.test) # heading';
    const message = sampleMessage({
      headline: `INC-42 declared (critical): ${hostile}`,
      detail: hostile,
      incident: { ...sampleMessage().incident, services: [hostile], commander: hostile },
      findings: [{ source: 'loki', service: hostile, summary: hostile, score: 0.9 }],
    });
    const card = buildTeamsCard(message);
    expect(validateCard(card).problems).toEqual([]);
    const markdownTexts = card.body.filter((e) => e.type === 'TextBlock').map((e) => e.text as string);
    const facts = card.body.filter((e) => e.type === 'FactSet').flatMap((e) => e.facts as Array<{ value: string }>);
    for (const text of [...markdownTexts, ...facts.map((f) => f.value)]) expect(text).not.toContain('evil.test');
    expect(JSON.stringify(card.body)).toContain('[click here](https://evil.test)');
  });

  it('keeps a huge incident under the size Teams accepts', () => {
    const big = 'z'.repeat(50_000);
    const message = sampleMessage({
      headline: big,
      detail: big,
      incident: {
        ...sampleMessage().incident,
        services: Array.from({ length: 2000 }, (_, i) => `svc-${i}`),
        commander: big,
      },
      findings: [1, 2, 3].map(() => ({ source: 'loki', service: null, summary: big, score: 0.1 })),
    });
    const body = JSON.stringify(buildTeamsMessage(message));
    expect(Buffer.byteLength(body)).toBeLessThan(20_000);
    expect(validateCard(buildTeamsCard(message)).problems).toEqual([]);
  });
});

describe('Teams channel against a receiver', () => {
  it('posts a message whose one attachment is the card', async () => {
    receiver.handle(() => ({ status: 202 }));
    const message = sampleMessage();
    await teamsSender.send(
      {
        id: 'c-teams',
        kind: 'teams',
        name: 'Ops',
        settings: {},
        secrets: { webhookUrl: `${receiver.origin}${TRIGGER_PATH}` },
      },
      message,
      context()
    );
    const req = receiver.requests.at(-1)!;
    expect(req.path).toBe(TRIGGER_PATH);
    expect(req.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = JSON.parse(req.body);
    expect(body).toEqual({
      type: 'message',
      attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content: buildTeamsCard(message) }],
    });
    expect(body.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
  });

  it('fails a deleted workflow (404) as permanent without the trigger signature', async () => {
    receiver.handle((req) => ({
      status: 404,
      body: JSON.stringify({ error: { message: `No trigger at ${req.path}` } }),
    }));
    const error = await deliveryError(
      teamsSender.send(
        {
          id: 'c-teams',
          kind: 'teams',
          name: 'Ops',
          settings: {},
          secrets: { webhookUrl: `${receiver.origin}${TRIGGER_PATH}` },
        },
        sampleMessage(),
        context()
      )
    );
    expect(error.kind).toBe('permanent');
    expect(error.message).not.toContain('S1gnatureSecret');
  });

  itMapsHttpFaults(
    teamsSender,
    (origin) => ({ settings: {}, secrets: { webhookUrl: `${origin}${TRIGGER_PATH}` }, secret: 'S1gnatureSecret' }),
    () => receiver
  );
});
