import type { Channel, ChannelKind, CreateChannelInput, UpdateChannelInput } from '../../api/types';
import { CHANNEL_KIND_LABELS } from '../../components/notificationLabels';

/**
 * How a setting is typed in: `lines` is a list (one a line, or comma-separated), `headers` a `Name: value` a line,
 * `select` one of `options`.
 */
export type SettingType = 'text' | 'number' | 'select' | 'lines' | 'headers' | 'pem';

export interface SettingField {
  key: string;
  label: string;
  type: SettingType;
  description?: string;
  placeholder?: string;
  isRequired?: boolean;
  options?: ReadonlyArray<{ value: string; label: string }>;
}

export interface SecretField {
  key: string;
  label: string;
  description?: string;
  placeholder?: string;
  isRequired?: boolean;
}

export interface KindSpec {
  label: string;
  description: string;
  settings: SettingField[];
  secrets: SecretField[];
}

/** Each kind's settings and secrets, as docs/notification-channels.md lists them (the sidecar validates them). */
export const KIND_SPECS: Record<ChannelKind, KindSpec> = {
  webhook: {
    label: CHANNEL_KIND_LABELS.webhook,
    description: 'A signed JSON POST to any HTTP receiver (X-Studio-Signature: HMAC-SHA256 of the body).',
    settings: [
      {
        key: 'headers',
        label: 'Extra headers',
        type: 'headers',
        description: 'One "Name: value" a line, at most 20. Not for credentials: settings are readable.',
        placeholder: 'X-Tenant: payments',
      },
    ],
    secrets: [
      {
        key: 'url',
        label: 'URL',
        isRequired: true,
        description: 'http or https; https://user:pass@host/path is sent as basic auth.',
        placeholder: 'https://hooks.example.com/studio',
      },
      {
        key: 'signingSecret',
        label: 'Signing secret',
        isRequired: true,
        description: '16 to 256 characters; the receiver checks X-Studio-Signature with it.',
      },
    ],
  },
  slack: {
    label: CHANNEL_KIND_LABELS.slack,
    description: 'A Slack, Mattermost or Rocket.Chat incoming webhook.',
    settings: [],
    secrets: [
      {
        key: 'webhookUrl',
        label: 'Incoming webhook URL',
        isRequired: true,
        placeholder: 'https://hooks.slack.com/services/…',
      },
    ],
  },
  teams: {
    label: CHANNEL_KIND_LABELS.teams,
    description: 'A Microsoft Teams Workflows "when a webhook request is received" trigger.',
    settings: [],
    secrets: [{ key: 'webhookUrl', label: 'Workflow trigger URL', isRequired: true }],
  },
  email: {
    label: CHANNEL_KIND_LABELS.email,
    description: 'SMTP; messages of one incident form a thread.',
    settings: [
      { key: 'host', label: 'SMTP host', type: 'text', isRequired: true, placeholder: 'smtp.example.com' },
      { key: 'port', label: 'Port', type: 'number', isRequired: true, placeholder: '587' },
      {
        key: 'security',
        label: 'Security',
        type: 'select',
        isRequired: true,
        description: 'STARTTLS is required when chosen; none is only for a relay on a trusted network.',
        options: [
          { value: 'starttls', label: 'STARTTLS' },
          { value: 'tls', label: 'TLS' },
          { value: 'none', label: 'None' },
        ],
      },
      { key: 'username', label: 'Username', type: 'text' },
      { key: 'from', label: 'From address', type: 'text', isRequired: true, placeholder: 'studio@example.com' },
      { key: 'fromName', label: 'From name', type: 'text', placeholder: 'Reliability Studio' },
      { key: 'to', label: 'To', type: 'lines', isRequired: true, description: '1 to 50 addresses, one a line.' },
      {
        key: 'caCertificate',
        label: 'CA certificate (PEM)',
        type: 'pem',
        description: 'For a relay whose certificate a public CA did not sign.',
      },
    ],
    secrets: [{ key: 'password', label: 'Password' }],
  },
  ntfy: {
    label: CHANNEL_KIND_LABELS.ntfy,
    description: 'A push notification through an ntfy server.',
    settings: [
      {
        key: 'url',
        label: 'Server and topic',
        type: 'text',
        isRequired: true,
        placeholder: 'https://ntfy.example/oncall',
      },
    ],
    secrets: [{ key: 'token', label: 'Access token', description: 'For a protected topic; sent as Bearer.' }],
  },
};

/** What the form holds: settings as typed, secrets typed anew, and which stored secrets the user reset. */
export interface ChannelDraft {
  kind: ChannelKind;
  name: string;
  muted: boolean;
  settings: Record<string, string>;
  secrets: Record<string, string>;
  reset: string[];
}

const splitLines = (text: string) =>
  text
    .split(/[\n,]/)
    .map((l) => l.trim())
    .filter(Boolean);

/** A stored setting as the form shows it. */
function settingText(field: SettingField, value: unknown): string {
  if (value === undefined || value === null) {
    return '';
  }
  if (field.type === 'lines' && Array.isArray(value)) {
    return value.join('\n');
  }
  if (field.type === 'headers' && typeof value === 'object') {
    return Object.entries(value as Record<string, string>)
      .map(([name, v]) => `${name}: ${v}`)
      .join('\n');
  }
  return String(value);
}

export function draftOf(channel: Channel | undefined, kind: ChannelKind = 'webhook'): ChannelDraft {
  const k = channel?.kind ?? kind;
  const settings: Record<string, string> = {};
  for (const field of KIND_SPECS[k].settings) {
    settings[field.key] = settingText(field, channel?.settings[field.key]);
  }
  if (!channel && k === 'email') {
    settings.security = 'starttls';
  }
  return { kind: k, name: channel?.name ?? '', muted: channel?.muted ?? false, settings, secrets: {}, reset: [] };
}

/** The draft's settings as the sidecar takes them; blank optional fields are left out. */
export function settingsOf(draft: ChannelDraft): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of KIND_SPECS[draft.kind].settings) {
    const text = (draft.settings[field.key] ?? '').trim();
    if (!text) {
      continue;
    }
    switch (field.type) {
      case 'number':
        out[field.key] = Number(text);
        break;
      case 'lines':
        out[field.key] = splitLines(text);
        break;
      case 'headers':
        out[field.key] = Object.fromEntries(
          text
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean)
            .map((line) => {
              const at = line.indexOf(':');
              return at < 0 ? [line, ''] : [line.slice(0, at).trim(), line.slice(at + 1).trim()];
            })
        );
        break;
      case 'pem':
        out[field.key] = draft.settings[field.key];
        break;
      default:
        out[field.key] = text;
    }
  }
  return out;
}

/** Whether a secret counts as there: stored and not reset, or typed in now. */
export const hasSecret = (draft: ChannelDraft, stored: readonly string[], key: string) =>
  Boolean(draft.secrets[key]) || (stored.includes(key) && !draft.reset.includes(key));

/** Fields the user must fill before the sidecar is asked (it checks everything else). */
export function missingFields(draft: ChannelDraft, stored: readonly string[]): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!draft.name.trim()) {
    errors.name = 'A name is required';
  }
  const spec = KIND_SPECS[draft.kind];
  for (const field of spec.settings) {
    if (field.isRequired && !(draft.settings[field.key] ?? '').trim()) {
      errors[`settings.${field.key}`] = `${field.label} is required`;
    }
  }
  for (const field of spec.secrets) {
    if (field.isRequired && !hasSecret(draft, stored, field.key)) {
      errors[`secrets.${field.key}`] = `${field.label} is required`;
    }
  }
  return errors;
}

export function createInput(draft: ChannelDraft): CreateChannelInput {
  const secrets = Object.fromEntries(Object.entries(draft.secrets).filter(([, v]) => v));
  return { kind: draft.kind, name: draft.name.trim(), settings: settingsOf(draft), secrets, muted: draft.muted };
}

/** A PATCH: the settings replace, new secrets are sent, a reset optional secret left empty is removed (null). */
export function updateInput(draft: ChannelDraft, channel: Channel): UpdateChannelInput {
  const secrets: Record<string, string | null> = {};
  for (const field of KIND_SPECS[draft.kind].secrets) {
    const typed = draft.secrets[field.key];
    if (typed) {
      secrets[field.key] = typed;
    } else if (draft.reset.includes(field.key) && channel.secretsSet.includes(field.key)) {
      secrets[field.key] = null;
    }
  }
  return {
    version: channel.version,
    name: draft.name.trim(),
    settings: settingsOf(draft),
    ...(Object.keys(secrets).length > 0 ? { secrets } : {}),
    muted: draft.muted,
  };
}
