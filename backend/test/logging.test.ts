import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/observability/logger.js';
import { isLuhnValid, redact, scrubText } from '../src/observability/redact.js';

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const API_TOKEN = 'rs_Q2hhbmdlIG1lIGJlZm9yZSBwcm9kdWN0aW9uIHBsZWFzZQ';

/** A logger writing into an array, as the process would write to stdout. */
function capture(level: 'info' | 'debug' = 'info') {
  const lines: string[] = [];
  const logger = createLogger({ level, destination: { write: (line: string) => void lines.push(line) } });
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, any>) };
}

describe('scrubText', () => {
  it.each([
    ['a JWT', `session ${JWT} expired`, 'session [REDACTED_JWT] expired'],
    ['a bearer credential', 'sent Authorization: Bearer abc.def-123_XYZ', 'sent Authorization: Bearer [REDACTED]'],
    ['a bearer JWT', `Bearer ${JWT}`, 'Bearer [REDACTED]'],
    ['basic credentials', 'Basic dXNlcjpwYXNzd29yZA==', 'Basic [REDACTED]'],
    ['an API token', `token ${API_TOKEN} revoked`, 'token rs_[REDACTED] revoked'],
    ['a password in a URL', 'connect postgres://studio:hunter2@db:5432/studio failed', 'connect postgres://studio:[REDACTED]@db:5432/studio failed'],
    ['a secret query parameter', '/api/x?api_key=abc123&limit=5', '/api/x?api_key=[REDACTED]&limit=5'],
    ['an e-mail address', 'paged alice.smith+oncall@example.co.uk twice', 'paged ***@example.co.uk twice'],
    ['a URL-encoded e-mail address', '/search?q=bob%40example.com', '/search?q=***@example.com'],
    ['a spaced card number', 'card 4111 1111 1111 1111 declined', 'card ****1111 declined'],
    ['a dashed card number', 'card 5555-5555-5555-4444', 'card ****4444'],
    ['a bare Amex number', 'amex 378282246310005', 'amex ****0005'],
  ])('masks %s', (_, input, expected) => {
    expect(scrubText(input)).toBe(expected);
  });

  it.each([
    ['a UUID', 'incident 0b6f1a56-8c1e-4d0f-9a8e-4f7d2f6c1b2a'],
    ['an all-digit UUID-like id', '41111111-1111-1111-1111-111111111111'],
    ['a trace id', '4bf92f3577b34da6a3ce929d0e0e4736'],
    ['an ISO timestamp', '2025-06-01T10:00:00.000Z'],
    ['epoch milliseconds', 'at 1718000000000'],
    ['a 16-digit number failing Luhn', 'order 4111111111111112'],
    ['a number longer than a card', 'id 41111111111111111111111'],
    ['a package path with @', 'node_modules/@hono/node-server@1.14.0/dist/index.js'],
    ['an ordinary sentence', 'Checkout latency above SLO for 10 minutes'],
  ])('leaves %s alone', (_, input) => {
    expect(scrubText(input)).toBe(input);
  });

  it('knows the Luhn checksum', () => {
    expect(isLuhnValid('4111111111111111')).toBe(true);
    expect(isLuhnValid('4111111111111112')).toBe(false);
  });
});

describe('redact', () => {
  it('replaces secret-named fields at any depth, whatever their value', () => {
    const out = redact({
      user: { name: 'bob', password: 'pw', settings: { apiKey: 42, 'x-api-key': 'k', sidecarToken: { nested: 'x' } } },
      headers: { authorization: 'Bearer abcdefgh', cookie: 'sid=1', accept: 'application/json' },
      list: [{ client_secret: 's' }],
      span: 'kept',
      tokenHash: 'kept too',
    });
    expect(out).toEqual({
      user: { name: 'bob', password: '[REDACTED]', settings: { apiKey: '[REDACTED]', 'x-api-key': '[REDACTED]', sidecarToken: '[REDACTED]' } },
      headers: { authorization: '[REDACTED]', cookie: '[REDACTED]', accept: 'application/json' },
      list: [{ client_secret: '[REDACTED]' }],
      span: 'kept',
      tokenHash: 'kept too',
    });
  });

  it('serialises errors, causes included, and scrubs their text', () => {
    const err = new Error(`bad note ${JWT}`, { cause: new Error('postgres://u:pw1234@db/x refused') });
    const out = redact(err) as Record<string, string>;
    expect(out.type).toBe('Error');
    expect(out.message).toContain('[REDACTED_JWT]');
    expect(out.stack).toContain('caused by: Error: postgres://u:[REDACTED]@db/x refused');
    expect(JSON.stringify(out)).not.toMatch(/eyJhbGci|pw1234/);
  });

  it('stops at a depth limit instead of recursing forever', () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(JSON.stringify(redact(loop))).toContain('[too deep]');
  });
});

describe('createLogger', () => {
  it('writes JSON lines with a level name and an ISO time', () => {
    const { logger, parsed } = capture();
    logger.info({ n: 1 }, 'hello');
    expect(parsed()[0]).toMatchObject({ level: 'info', msg: 'hello', n: 1, time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });

  it('scrubs messages, printf arguments, child bindings and errors logged alone', () => {
    const { logger, lines } = capture();
    logger.info('user %s signed in with %s', 'carol@example.org', API_TOKEN);
    logger.child({ password: 'pw', caller: 'dave@example.net' }).warn('child line');
    logger.error(new Error(`leaked Bearer ${API_TOKEN}`));
    const text = lines.join('');
    expect(text).not.toMatch(/carol@|dave@|rs_Q2hh|"pw"/);
    expect(text).toContain('user ***@example.org signed in with rs_[REDACTED]');
    expect(text).toContain('"caller":"***@example.net"');
    expect(JSON.parse(lines[2]!)).toMatchObject({ level: 'error', msg: 'leaked Bearer [REDACTED]', err: { type: 'Error' } });
  });
});
