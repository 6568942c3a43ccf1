/**
 * The one way the HTTP channel kinds (webhook, Slack-compatible, Teams, ntfy) post a message, and how a
 * receiver's answer becomes done or a DeliveryError. Receiver URLs never appear in an error: Slack and Teams
 * webhook URLs are credentials, and a generic webhook's may carry a token.
 */
import { z } from 'zod';
import { retryAfterMs } from '../../telemetry/http.js';
import { DeliveryError } from './channel.js';
import { isTlsMisconfiguration, truncate } from './format.js';

/** An http(s) URL, as every HTTP kind's receiver URL must be. */
export const HttpUrlSchema = z.url({ protocol: /^https?$/ }).max(3000);

export interface HttpPost {
  /** Basic auth in it (`https://user:pass@host/hook`) is sent as an Authorization header. */
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** What is kept of a refusal's body for the channel's page. */
const SNIPPET_CHARS = 160;
const SNIPPET_BYTES = 4096;

const USER_AGENT = 'ReliabilityStudio-Notifier/1';

/**
 * POSTs one message. Resolves on a 2xx. Throws DeliveryError: `retryable` for 408, 429, 5xx (with the
 * receiver's Retry-After, seconds or a date), no answer and the send timeout (the signal); `permanent` for
 * other 4xx and for redirects (a moved webhook must be reconfigured, not followed with its signed body).
 * `label` names the receiver in errors ("The Slack webhook").
 */
/** A JSON body POSTed to a chat webhook's URL (Slack-compatible, Teams): the URL itself is the credential. */
export function postJson(label: string, url: string, payload: unknown, signal: AbortSignal): Promise<void> {
  return postMessage(
    label,
    { url, headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(payload) },
    signal
  );
}

export async function postMessage(label: string, post: HttpPost, signal: AbortSignal): Promise<void> {
  const { url, authorization } = splitCredentials(label, post.url);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        'user-agent': USER_AGENT,
        ...(authorization ? { authorization } : {}),
        ...post.headers,
      },
      body: post.body,
      signal,
      redirect: 'manual',
    });
  } catch (err) {
    throw noAnswer(label, err, signal);
  }
  if (res.status >= 200 && res.status < 300) {
    await res.body?.cancel().catch(() => undefined);
    return;
  }
  const credentials = [authorization, post.headers.authorization, post.headers.Authorization]
    .filter((value): value is string => Boolean(value))
    .map((value) => value.replace(/^\S+\s+/, ''));
  const snippet = redact(await readSnippet(res), post.url, credentials);
  const status = res.status;
  const retryAfter = retryAfterMs(res.headers.get('retry-after'));
  const said = snippet ? `: ${snippet}` : '';
  if (status === 429 || status === 408 || status >= 500) {
    const verb = status === 429 ? 'is rate limiting' : status === 408 ? 'timed out reading' : 'failed';
    throw new DeliveryError(`${label} ${verb} (HTTP ${status}${said})`, 'retryable', {
      status,
      ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
    });
  }
  if (status >= 300 && status < 400) {
    throw new DeliveryError(
      `${label} answered with a redirect (HTTP ${status}): configure the address it moved to`,
      'permanent',
      { status }
    );
  }
  throw new DeliveryError(`${label} refused the message (HTTP ${status}${said})`, 'permanent', { status });
}

function splitCredentials(label: string, raw: string): { url: URL; authorization?: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DeliveryError(`${label} address is not a valid URL`, 'permanent');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DeliveryError(`${label} address must be http or https`, 'permanent');
  }
  if (!url.username && !url.password) return { url };
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  return { url, authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

/**
 * No (whole) answer: refused, reset, DNS, or the send timeout, all worth another try later; TLS that cannot work
 * (an untrusted certificate, https to a plain-text port) is the channel's to fix. The message names the socket error's code (undici puts it in the
 * cause), never its text, which holds the address.
 */
function noAnswer(label: string, err: unknown, signal: AbortSignal): DeliveryError {
  if (signal.aborted) return new DeliveryError(`${label} did not answer within the send timeout`, 'retryable');
  const cause = (err as { cause?: { code?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : 'network error';
  if (isTlsMisconfiguration(code)) {
    return new DeliveryError(`TLS with ${label.replace(/^The /, 'the ')} failed (${code})`, 'permanent');
  }
  return new DeliveryError(`${label} could not be reached (${code})`, 'retryable');
}

/** The start of a refusal's body as one line, read without waiting for more than SNIPPET_BYTES. */
async function readSnippet(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < SNIPPET_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // a body broken off (or cut by the timeout) still leaves the status to go by
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const text = Buffer.concat(chunks).toString('utf8', 0, Math.min(size, SNIPPET_BYTES));
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * A receiver's words without anything that could be a secret: any URL, any part of this channel's path or query
 * that the receiver echoes (Slack's "no_service" pages have quoted the hook's path), and the credentials sent.
 */
export function redact(text: string, rawUrl: string, credentials: string[] = []): string {
  let out = text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, '[url]');
  let secretParts: string[] = [];
  try {
    const url = new URL(rawUrl);
    secretParts = [
      url.username,
      url.password,
      ...url.pathname.split('/'),
      ...[...url.searchParams.values()],
      url.pathname.length > 1 ? url.pathname : '',
    ].filter((part) => part.length >= 6);
  } catch {
    // not a URL: nothing of it can be echoed
  }
  secretParts.push(...credentials.filter((credential) => credential.length > 0));
  for (const part of secretParts.sort((a, b) => b.length - a.length)) out = out.split(part).join('[redacted]');
  return truncate(out, SNIPPET_CHARS);
}
