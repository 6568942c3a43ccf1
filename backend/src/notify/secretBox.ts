/**
 * Channel secrets at rest: AES-256-GCM under a key derived from STUDIO_SECRET_KEY. A stored value is
 * `version (1 byte) | IV (12) | tag (16) | ciphertext` of the secrets' JSON; the channel id is the additional
 * authenticated data, so a secret copied onto another channel's row fails to decrypt instead of being sent there.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const FORMAT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Keys for separate purposes from the one secret: a leak of one use's key exposes nothing of the other. */
export function deriveKey(secretKey: Buffer, purpose: 'channel-secrets' | 'ack-links'): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), `reliability-studio/${purpose}`, 32));
}

export class SecretBox {
  private readonly key: Buffer;

  constructor(secretKey: Buffer) {
    this.key = deriveKey(secretKey, 'channel-secrets');
  }

  seal(channelId: string, secrets: Record<string, string>): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(channelId, 'utf8'));
    const body = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([FORMAT_VERSION]), iv, cipher.getAuthTag(), body]);
  }

  /** Throws when the value was sealed under another key or for another channel, or was altered. */
  open(channelId: string, sealed: Buffer): Record<string, string> {
    if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== FORMAT_VERSION) {
      throw new Error('channel secrets are not in a format this version reads');
    }
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.key, iv);
    decipher.setAAD(Buffer.from(channelId, 'utf8'));
    decipher.setAuthTag(tag);
    const text = Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
    return JSON.parse(text.toString('utf8')) as Record<string, string>;
  }
}
