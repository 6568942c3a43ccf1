import type { ChannelKind, NotificationRule } from '../api/types';

/** How people name each channel kind (the Notifications page and the war room's timeline). */
export const CHANNEL_KIND_LABELS: Record<ChannelKind, string> = {
  webhook: 'Webhook',
  slack: 'Slack',
  teams: 'Teams',
  email: 'Email',
  ntfy: 'ntfy',
};

/** How people name each notification event. */
export const NOTIFICATION_EVENT_LABELS: Record<NotificationRule['events'][number], string> = {
  declared: 'Declared',
  severity_raised: 'Severity raised',
  status_changed: 'Status changed',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
  top_finding: 'Top finding',
  update_posted: 'Update posted',
  test: 'Test',
  paged: 'Page',
};
