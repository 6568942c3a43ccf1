/**
 * The live feed's WebSocket protocol (GET /live), which OpenAPI cannot describe: the messages each side sends, the
 * topics, and the close codes. The sidecar (backend/src/live/protocol.ts, which validates client messages against
 * these types) and the plugin's client (src/api/live.ts) both import this file. It imports nothing.
 */

/** WebSocket close codes (RFC 6455 §7.4.1, the IANA registry, and 4000-4999 for private use). */
export const LIVE_CLOSE = {
  /** Either side is done (a client closing when its last subscriber left). */
  normal: 1000,
  /** The replica is shutting down: reconnect (to any replica) and resume with `since`. */
  goingAway: 1001,
  /** Too many messages, or a message the server will not read (binary). */
  policyViolation: 1008,
  /** The client did not read fast enough: its buffer passed the cap. Reconnect and resume with `since`. */
  tryAgainLater: 1013,
  /** Sent by the client when the server has been silent for 2.5 heartbeats; it then reconnects. */
  serverSilent: 4000,
} as const;

/** Closes after which a client reconnects at once and resumes: a handover, not a failure. */
export const RESUME_AT_ONCE: readonly number[] = [LIVE_CLOSE.goingAway, LIVE_CLOSE.tryAgainLater];

/** Topics other than `incident:<uuid>` (one incident's timeline, hypotheses and correlations). */
export const LIVE_TOPICS = ['incidents', 'alerts', 'alert-rules', 'slos', 'tokens', 'on-call'] as const;
export type LiveTopic = (typeof LIVE_TOPICS)[number] | `incident:${string}`;

/** The topic of one incident. */
export const incidentTopic = (incidentId: string): LiveTopic => `incident:${incidentId}`;

// ---- client → server ----

export type ClientMessage =
  /** `since`: the last seq the client has seen; events after it are replayed before live ones. */
  | { type: 'subscribe'; topics: string[]; since?: number }
  | { type: 'unsubscribe'; topics: string[] }
  | { type: 'ping' };

// ---- server → client ----

/** An event: `data` is the outbox payload as the change wrote it (e.g. an Incident for incident.created). */
export interface LiveEvent {
  seq: number;
  topic: string;
  event: string;
  data: unknown;
  actor: string | null;
  at: string;
}

/** Codes of `{"type":"error"}`: the answer to a message the server would not act on (the connection stays). */
export type LiveErrorCode = 'MALFORMED_MESSAGE' | 'VALIDATION_FAILED' | 'FORBIDDEN' | 'UNAVAILABLE';

export interface LiveError {
  type: 'error';
  code: LiveErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export type ServerMessage =
  | ({ type: 'event' } & LiveEvent)
  | { type: 'welcome'; heartbeatMs: number }
  /** You have everything on these topics up to `seq`. */
  | { type: 'subscribed'; topics: string[]; seq: number }
  | { type: 'unsubscribed'; topics: string[] }
  /** The events since `since` are gone (older than `oldest`): refetch the state; the topics are live from now. */
  | { type: 'resync_required'; topics: string[]; since: number; oldest: number; reason: 'retention' | 'unknown_seq' }
  /** Sent every heartbeatMs: you have everything up to `seq`. */
  | { type: 'heartbeat'; seq: number }
  | { type: 'pong' }
  | LiveError;
