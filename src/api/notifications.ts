import { SIDECAR_API_BASE } from '../constants';
import { call, listEveryPage, type CallOptions } from './client';
import type {
  Channel,
  ChannelTestResult,
  CreateChannelInput,
  Delivery,
  DeliveryState,
  PageOf,
  NotificationRule,
  NotificationRuleInput,
  NotificationRuleUpdate,
  UpdateChannelInput,
} from './types';

const channelUrl = (id: string) => `${SIDECAR_API_BASE}/channels/${encodeURIComponent(id)}`;
const ruleUrl = (id: string) => `${SIDECAR_API_BASE}/notification-rules/${encodeURIComponent(id)}`;

/** GET /api/channels, by name. Secrets never come back: `secretsSet` names the ones stored. */
export async function listChannels(options?: CallOptions): Promise<Channel[]> {
  return listEveryPage(`${SIDECAR_API_BASE}/channels`, options, { limit: 500 });
}

/**
 * POST /api/channels (admin). 400 VALIDATION_FAILED names the failing fields as `settings.<key>` / `secrets.<key>`;
 * 409 CHANNEL_ALREADY_EXISTS for a taken name.
 */
export function createChannel(input: CreateChannelInput, options?: CallOptions): Promise<Channel> {
  return call({ url: `${SIDECAR_API_BASE}/channels`, method: 'POST', data: input }, options);
}

/** PATCH /api/channels/:id (admin) with the version the user saw; 409 VERSION_CONFLICT carries `details.current`. */
export function updateChannel(id: string, input: UpdateChannelInput, options?: CallOptions): Promise<Channel> {
  return call({ url: channelUrl(id), method: 'PATCH', data: input }, options);
}

/** DELETE /api/channels/:id (admin): its deliveries go too, and it leaves every rule. */
export async function deleteChannel(id: string, options?: CallOptions): Promise<void> {
  await call({ url: channelUrl(id), method: 'DELETE' }, options);
}

/** POST /api/channels/:id/test (admin): sends a test message now; resolves with the outcome, delivered or not. */
export function testChannel(id: string, options?: CallOptions): Promise<ChannelTestResult> {
  return call({ url: `${channelUrl(id)}/test`, method: 'POST', data: {} }, options);
}

/** GET /api/channels/:id/deliveries, newest first; `state` narrows to one state (`dead`: given up on). */
export async function listDeliveries(
  channelId: string,
  query: { state?: DeliveryState; limit?: number } = {},
  options?: CallOptions
): Promise<Delivery[]> {
  const params: Record<string, string | number> = {};
  if (query.state) {
    params.state = query.state;
  }
  if (query.limit !== undefined) {
    params.limit = query.limit;
  }
  const body = await call<PageOf<Delivery>>({ url: `${channelUrl(channelId)}/deliveries`, params }, options);
  return body.items;
}

/** POST /api/deliveries/:id/redeliver (admin): queues a dead or failed delivery again with the same idempotency key. */
export function redeliver(deliveryId: string, options?: CallOptions): Promise<Delivery> {
  return call(
    { url: `${SIDECAR_API_BASE}/deliveries/${encodeURIComponent(deliveryId)}/redeliver`, method: 'POST', data: {} },
    options
  );
}

/** GET /api/notification-rules, by name. */
export async function listNotificationRules(options?: CallOptions): Promise<NotificationRule[]> {
  return listEveryPage(`${SIDECAR_API_BASE}/notification-rules`, options, { limit: 500 });
}

/** POST /api/notification-rules (admin); applies to incident events from now on. */
export function createNotificationRule(input: NotificationRuleInput, options?: CallOptions): Promise<NotificationRule> {
  return call({ url: `${SIDECAR_API_BASE}/notification-rules`, method: 'POST', data: input }, options);
}

/** PATCH /api/notification-rules/:id (admin) with the version the user saw; 409 VERSION_CONFLICT carries `details.current`. */
export function updateNotificationRule(
  id: string,
  input: NotificationRuleUpdate,
  options?: CallOptions
): Promise<NotificationRule> {
  return call({ url: ruleUrl(id), method: 'PATCH', data: input }, options);
}

/** DELETE /api/notification-rules/:id (admin). */
export async function deleteNotificationRule(id: string, options?: CallOptions): Promise<void> {
  await call({ url: ruleUrl(id), method: 'DELETE' }, options);
}
