/**
 * The live feed's wire protocol (README "Live feed"). Its messages, topics and close codes are
 * contract/live.ts, shared with the plugin; here every client message is parsed against them with zod, and server
 * messages other than events are built. README.md documents both directions.
 */
import { z } from 'zod';
import {
  LIVE_TOPICS,
  type ClientMessage,
  type LiveError,
  type LiveErrorCode,
  type ServerMessage as ContractServerMessage,
} from '../../../contract/live.js';
import { hasRole, type Role } from '../domain/actor.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Who may read each topic (all written by the store: grep appendEvent). */
const TOPIC_ROLES: Record<(typeof LIVE_TOPICS)[number], Role> = {
  incidents: 'viewer',
  alerts: 'viewer',
  'alert-rules': 'viewer',
  slos: 'viewer',
  // People, schedules and overrides: what GET /api/people and /api/schedules show viewers.
  'on-call': 'viewer',
  // Token names and roles are admin business, as GET /api/tokens is.
  tokens: 'admin',
};

/** The role needed to read `topic`, or undefined when no such topic exists. */
export function topicRole(topic: string): Role | undefined {
  if (topic.startsWith('incident:')) return UUID.test(topic.slice('incident:'.length)) ? 'viewer' : undefined;
  return Object.hasOwn(TOPIC_ROLES, topic) ? TOPIC_ROLES[topic as keyof typeof TOPIC_ROLES] : undefined;
}

/** True when `role` may subscribe to `topic`. */
export function mayRead(role: Role, topic: string): boolean {
  const needed = topicRole(topic);
  return needed !== undefined && hasRole(role, needed);
}

const TopicSchema = z
  .string()
  .max(64)
  .refine((t) => topicRole(t) !== undefined, {
    message: `unknown topic: use ${LIVE_TOPICS.join(', ')} or incident:<uuid>`,
  });

const TopicsSchema = z
  .array(TopicSchema)
  .min(1)
  .max(50)
  .transform((topics) => [...new Set(topics)]);

// Typed as the contract's ClientMessage, so the parser cannot accept a message the plugin's types do not allow.
export const ClientMessageSchema: z.ZodType<ClientMessage> = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('subscribe'),
    topics: TopicsSchema,
    /** The last seq the client has seen; events after it are replayed from the outbox before live ones. */
    since: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  }),
  z.strictObject({ type: z.literal('unsubscribe'), topics: TopicsSchema }),
  z.strictObject({ type: z.literal('ping') }),
]);

export type { ClientMessage };

export type ParsedMessage = { ok: true; message: ClientMessage } | { ok: false; error: LiveError };

/** Parses one text frame; a failure comes back as the error message to send, never as an exception. */
export function parseClientMessage(text: string): ParsedMessage {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: errorMessage('MALFORMED_MESSAGE', 'Messages must be JSON objects') };
  }
  const parsed = ClientMessageSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    return {
      ok: false,
      error: errorMessage('VALIDATION_FAILED', `Invalid message: ${issues.map((i) => `${i.path || 'message'}: ${i.message}`).join('; ')}`, { issues }),
    };
  }
  return { ok: true, message: parsed.data };
}

/** `{"type":"error",...}`: the answer to a message the server would not act on. */
export function errorMessage(code: LiveErrorCode, message: string, details?: Record<string, unknown>): LiveError {
  return details ? { type: 'error', code, message, details } : { type: 'error', code, message };
}

/** Server messages other than events (events are serialised by Postgres, see outbox.ts). */
export type ServerMessage = Exclude<ContractServerMessage, { type: 'event' }>;
