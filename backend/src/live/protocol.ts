/**
 * The live feed's wire protocol (design.md "Live feed protocol"). Every client message is parsed here with zod;
 * server messages are built here, so their shapes live in one place. README.md documents both directions.
 */
import { z } from 'zod';
import { hasRole, type Role } from '../domain/actor.js';

/** WebSocket close codes the server uses (RFC 6455 §7.4.1 and the IANA registry). */
export const CLOSE = {
  /** The replica is shutting down: reconnect (elsewhere) and resume with `since`. */
  goingAway: 1001,
  /** Too many messages, or a message the server will not read (binary). */
  policyViolation: 1008,
  /** The client did not read fast enough: its buffer passed the cap. Reconnect and resume with `since`. */
  tryAgainLater: 1013,
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Topics written by the store today (grep appendEvent), and who may read them. */
const TOPIC_ROLES: Record<string, Role> = {
  incidents: 'viewer',
  alerts: 'viewer',
  'alert-rules': 'viewer',
  slos: 'viewer',
  // Token names and roles are admin business, as GET /api/tokens is.
  tokens: 'admin',
};

/** The role needed to read `topic`, or undefined when no such topic exists. */
export function topicRole(topic: string): Role | undefined {
  if (topic.startsWith('incident:')) return UUID.test(topic.slice('incident:'.length)) ? 'viewer' : undefined;
  return Object.hasOwn(TOPIC_ROLES, topic) ? TOPIC_ROLES[topic] : undefined;
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
    message: 'unknown topic: use incidents, alerts, alert-rules, slos, tokens or incident:<uuid>',
  });

const TopicsSchema = z
  .array(TopicSchema)
  .min(1)
  .max(50)
  .transform((topics) => [...new Set(topics)]);

export const ClientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('subscribe'),
    topics: TopicsSchema,
    /** The last seq the client has seen; events after it are replayed from the outbox before live ones. */
    since: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  }),
  z.strictObject({ type: z.literal('unsubscribe'), topics: TopicsSchema }),
  z.strictObject({ type: z.literal('ping') }),
]);

export type ClientMessage = z.infer<typeof ClientMessageSchema>;

export type ParsedMessage = { ok: true; message: ClientMessage } | { ok: false; error: ServerError };

interface ServerError {
  type: 'error';
  code: 'MALFORMED_MESSAGE' | 'VALIDATION_FAILED' | 'FORBIDDEN' | 'UNAVAILABLE';
  message: string;
  details?: Record<string, unknown>;
}

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
export function errorMessage(code: ServerError['code'], message: string, details?: Record<string, unknown>): ServerError {
  return details ? { type: 'error', code, message, details } : { type: 'error', code, message };
}

/** Server messages other than events (events are serialised by Postgres, see outbox.ts). */
export type ServerMessage =
  | { type: 'welcome'; heartbeatMs: number }
  | { type: 'subscribed'; topics: string[]; seq: number }
  | { type: 'unsubscribed'; topics: string[] }
  | { type: 'resync_required'; topics: string[]; since: number; oldest: number; reason: 'retention' | 'unknown_seq' }
  | { type: 'heartbeat'; seq: number }
  | { type: 'pong' }
  | ServerError;
