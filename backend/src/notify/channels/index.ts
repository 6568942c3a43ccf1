/** Every channel kind's sender, by kind: the API reads their schemas, the delivery worker calls `send`. */
import type { ChannelKind } from '../../domain/notifications.js';
import type { ChannelSender } from './channel.js';
import { emailSender } from './email.js';
import { ntfySender } from './ntfy.js';
import { slackSender } from './slack.js';
import { teamsSender } from './teams.js';
import { webhookSender } from './webhook.js';

export const CHANNEL_SENDERS: Record<ChannelKind, ChannelSender> = {
  webhook: webhookSender,
  slack: slackSender,
  teams: teamsSender,
  email: emailSender,
  ntfy: ntfySender,
};
