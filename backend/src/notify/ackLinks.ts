/**
 * Signed acknowledge links: `<base64url payload>.<base64url HMAC-SHA256>`, the payload binding the incident, the
 * recipient and an expiry. The signature is the only credential, so the key is derived from STUDIO_SECRET_KEY for
 * this purpose alone; a link cannot be widened to another incident or extended without it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { deriveKey } from './secretBox.js';

export interface AckClaims {
  incidentId: string;
  /** Who the link was sent to: a channel's name, or a paged person's login. */
  recipient: string;
  expiresAt: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class AckLinks {
  private readonly key: Buffer;

  constructor(
    secretKey: Buffer,
    private readonly publicUrl: string,
    private readonly ttlMs: number
  ) {
    this.key = deriveKey(secretKey, 'ack-links');
  }

  private sign(payload: string): Buffer {
    return createHmac('sha256', this.key).update(payload).digest();
  }

  token(incidentId: string, recipient: string, now = new Date()): string {
    const claims = { i: incidentId, r: recipient, e: Math.floor((now.getTime() + this.ttlMs) / 1000) };
    const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
    return `${payload}.${this.sign(payload).toString('base64url')}`;
  }

  /** The link a message carries. */
  url(incidentId: string, recipient: string, now = new Date()): string {
    return `${this.publicUrl}/ack/${this.token(incidentId, recipient, now)}`;
  }

  /**
   * The claims of a genuine token, expired or not (the page says when it expired); undefined when the signature
   * does not match or the token is malformed.
   */
  verify(token: string): AckClaims | undefined {
    const [payload, signature, ...rest] = token.split('.');
    if (!payload || !signature || rest.length > 0 || payload.length > 1000) return undefined;
    const expected = this.sign(payload);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { i?: unknown; r?: unknown; e?: unknown };
      if (typeof claims.i !== 'string' || !UUID.test(claims.i) || typeof claims.r !== 'string' || typeof claims.e !== 'number') {
        return undefined;
      }
      return { incidentId: claims.i, recipient: claims.r, expiresAt: new Date(claims.e * 1000) };
    } catch {
      return undefined;
    }
  }
}
