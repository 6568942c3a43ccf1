/**
 * Microsoft Teams through a Workflows webhook ("Post to a channel when a webhook request is received"): a
 * message whose one attachment is an Adaptive Card 1.4 (the version Teams renders everywhere). Text taken from
 * the incident goes into RichTextBlock TextRuns, which Adaptive Cards never read as Markdown, so an alert title
 * cannot add links or formatting; the known words (labels, severity, status) use TextBlock and FactSet.
 */
import { z } from 'zod';
import type { NotificationMessage } from '../../domain/notifications.js';
import type { ChannelSender } from './channel.js';
import {
  EVENT_LABELS,
  findingLine,
  readTarget,
  servicesLabel,
  severityLabel,
  statusLabel,
  topFindings,
  truncate,
} from './format.js';
import { HttpUrlSchema, postJson } from './http.js';

export const TeamsSettingsSchema = z.strictObject({});
export type TeamsSettings = z.infer<typeof TeamsSettingsSchema>;

export const TeamsSecretsSchema = z.strictObject({
  /** The workflow's HTTP trigger URL; it carries its own signature (`sig=`), so it is a secret. */
  webhookUrl: HttpUrlSchema,
});
export type TeamsSecrets = z.infer<typeof TeamsSecretsSchema>;

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/** Teams drops messages over about 28 KB; these keep a card well under it. */
const LIMITS = { headline: 300, detail: 2000, finding: 400, field: 500 } as const;

type CardElement = Record<string, unknown> & { type: string };

export interface TeamsMessage {
  type: 'message';
  attachments: Array<{ contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE; contentUrl: null; content: AdaptiveCard }>;
}

export interface AdaptiveCard {
  $schema: string;
  type: 'AdaptiveCard';
  version: '1.4';
  body: CardElement[];
  actions: Array<{ type: 'Action.OpenUrl'; title: string; url: string; style?: 'positive' | 'destructive' }>;
  msteams: { width: 'Full' };
}

const SEVERITY_COLOURS: Record<NotificationMessage['incident']['severity'], string> = {
  critical: 'Attention',
  high: 'Warning',
  medium: 'Accent',
  low: 'Default',
};

/** Incident text as a paragraph that is never read as Markdown. */
function plainParagraph(text: string, options: { weight?: 'Bolder'; size?: 'Medium' } = {}): CardElement {
  return { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text, ...options }] };
}

export function buildTeamsCard(message: NotificationMessage): AdaptiveCard {
  const { incident, links } = message;
  const body: CardElement[] = [
    {
      type: 'TextBlock',
      text: `${EVENT_LABELS[message.event]} · ${severityLabel(message)}`,
      color: message.event === 'resolved' ? 'Good' : SEVERITY_COLOURS[incident.severity],
      weight: 'Bolder',
      wrap: true,
      spacing: 'None',
    },
    plainParagraph(truncate(message.headline, LIMITS.headline), { weight: 'Bolder', size: 'Medium' }),
    {
      type: 'FactSet',
      facts: [
        { title: 'Severity', value: severityLabel(message) },
        { title: 'Status', value: statusLabel(message) },
      ],
    },
    labelled('Services', truncate(servicesLabel(message), LIMITS.field)),
  ];
  if (incident.commander) body.push(labelled('Commander', truncate(incident.commander, LIMITS.field)));
  if (message.detail) body.push({ ...plainParagraph(truncate(message.detail, LIMITS.detail)), separator: true });
  const findings = topFindings(message);
  if (findings.length > 0) {
    body.push({ type: 'TextBlock', text: 'Top findings', weight: 'Bolder', wrap: true, separator: true });
    for (const finding of findings) body.push(plainParagraph(`• ${truncate(findingLine(finding), LIMITS.finding)}`));
  }
  const actions: AdaptiveCard['actions'] = [{ type: 'Action.OpenUrl', title: 'Open war room', url: links.warRoom }];
  if (links.acknowledge) {
    actions.push({ type: 'Action.OpenUrl', title: 'Acknowledge', url: links.acknowledge, style: 'positive' });
  }
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
    actions,
    msteams: { width: 'Full' },
  };
}

/** "Services: checkout, payments" with the label bold and the value plain. */
function labelled(label: string, value: string): CardElement {
  return {
    type: 'RichTextBlock',
    inlines: [
      { type: 'TextRun', text: `${label}: `, weight: 'Bolder' },
      { type: 'TextRun', text: value },
    ],
  };
}

export function buildTeamsMessage(message: NotificationMessage): TeamsMessage {
  return {
    type: 'message',
    attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content: buildTeamsCard(message) }],
  };
}

export const teamsSender: ChannelSender<TeamsSettings, TeamsSecrets> = {
  kind: 'teams',
  settingsSchema: TeamsSettingsSchema,
  secretsSchema: TeamsSecretsSchema,
  async send(target, message, context) {
    const { secrets } = readTarget('Teams', { settings: TeamsSettingsSchema, secrets: TeamsSecretsSchema }, target);
    await postJson('The Teams workflow webhook', secrets.webhookUrl, buildTeamsMessage(message), context.signal);
  },
};
