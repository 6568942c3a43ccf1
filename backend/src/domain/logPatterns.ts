/**
 * Log patterns: lines grouped by their template (the line with what varies between occurrences masked), counted,
 * with a few sample lines, and an incident window's templates compared with a baseline's to find the patterns that
 * are new or rose sharply. Pure: no I/O.
 *
 * Masking rules, applied in this order (each sees the previous one's output):
 *  1. Quoted strings ("…" with backslash escapes, and '…' standing alone as a word) become `"<str>"` / `'<str>'`,
 *     except a JSON key (a quoted string followed by `:`) and the value of a message key (`msg`, `message`, `error`,
 *     `err`, `exception`, `reason`, `event`): those are the words that tell patterns apart, so only rules 2–8 mask
 *     inside them.
 *  2. Timestamps: ISO 8601 / RFC 3339 date-times (`2024-05-01T10:00:00.123Z`, `2024-05-01 10:00:00,123`), dates,
 *     and clock times (`10:00:00.123`) → `<ts>`.
 *  3. UUIDs → `<id>`.
 *  4. IPv4 addresses, with an optional port → `<ip>`.
 *  5. Hex: `0x…`, and runs of 8+ hex digits holding at least one digit (trace ids, hashes, commit shas) → `<id>`.
 *     Long tokens (16+ characters of letters, digits, `_` and `-`) mixing letters and digits (base64 ids, request
 *     ids) → `<id>` too.
 *  6. Durations: a number with a unit (`250ms`, `1.5s`, `2m30s`, `10µs`) → `<duration>`.
 *  7. Numbers (integers and decimals, signed) that stand alone → `<num>`; digits inside a word (`http2`, `v1.2`,
 *     `user42`) are kept, since they name a thing rather than count it. `order-123` and `ord_123` do become
 *     `order-<num>`, `ord_<num>`.
 *  8. Whitespace runs (tabs, several spaces) become one space; the template is cut at 400 characters.
 */

export interface LogLine {
  at: Date;
  line: string;
  labels: Record<string, string>;
}

export interface PatternGroup {
  template: string;
  count: number;
  /** The earliest line of this template among those given. */
  firstSeen: Date;
  /** Up to `maxSamples` lines of this template, in the order they were given (callers pass newest first). */
  samples: LogLine[];
}

export interface PatternChange {
  template: string;
  /** Occurrences in the incident window (of the lines looked at). */
  count: number;
  baselineCount: number;
  /** Never seen in the baseline. */
  isNew: boolean;
  /** How many more than the baseline's rate predicts for the window's length. */
  excess: number;
  /** The earliest occurrence in the window (of the lines looked at). */
  firstSeen: Date;
  samples: LogLine[];
}

const MESSAGE_KEYS = /(?:^|[\s{,;(])"?(?:msg|message|error|err|exception|reason|event)"?\s*[:=]\s*$/i;
const DOUBLE_QUOTED = /"(?:[^"\\\n]|\\.){0,1000}"/g;
const SINGLE_QUOTED = /(?<![\w'])'[^'\n]{0,200}'(?![\w'])/g;
const TIMESTAMP =
  /\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b|\b\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?\b/g;
const UUID = /\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g;
const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b/g;
const HEX = /\b0x[0-9a-fA-F]+\b|\b(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{8,}\b/g;
const LONG_ID = /(?<![\w-])(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[\w-]{16,}(?![\w-])/g;
const DURATION = /(?<![\w.])\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h)(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))*(?![\w])/g;
const NUMBER = /(?<![A-Za-z0-9.<])-?\d+(?:\.\d+)?(?![A-Za-z0-9>])/g;
const MAX_TEMPLATE = 400;
/** Lines longer than this are masked on their start only: a 1 MB stack trace must not stall the sidecar. */
const MAX_SCANNED = 2000;

function maskValues(text: string): string {
  return text
    .replace(TIMESTAMP, '<ts>')
    .replace(UUID, '<id>')
    .replace(IPV4, '<ip>')
    .replace(HEX, '<id>')
    .replace(LONG_ID, '<id>')
    .replace(DURATION, '<duration>')
    .replace(NUMBER, '<num>');
}

/** The template of one log line (see the module comment for the masking rules). */
export function logTemplate(line: string): string {
  const text = line.length > MAX_SCANNED ? line.slice(0, MAX_SCANNED) : line;
  const quoted = text
    .replace(DOUBLE_QUOTED, (match, offset: number, whole: string) => {
      const after = whole.slice(offset + match.length);
      if (/^\s*:/.test(after)) return match; // a JSON key
      if (MESSAGE_KEYS.test(whole.slice(Math.max(0, offset - 24), offset))) return match;
      return '"<str>"';
    })
    .replace(SINGLE_QUOTED, (match, offset: number, whole: string) =>
      MESSAGE_KEYS.test(whole.slice(Math.max(0, offset - 24), offset)) ? match : "'<str>'"
    );
  const masked = maskValues(quoted).replace(/\s+/g, ' ').trim();
  return masked.length > MAX_TEMPLATE ? `${masked.slice(0, MAX_TEMPLATE)}…` : masked;
}

/**
 * Groups lines by template, most frequent first (ties: the template seen first). Keeps up to `maxSamples` lines
 * per template, and at most `maxPatterns` templates (the rest are dropped, least frequent first).
 */
export function minePatterns(
  lines: Iterable<LogLine>,
  options: { maxSamples?: number; maxPatterns?: number } = {}
): PatternGroup[] {
  const maxSamples = options.maxSamples ?? 5;
  const groups = new Map<string, PatternGroup>();
  for (const line of lines) {
    const template = logTemplate(line.line);
    let group = groups.get(template);
    if (!group) {
      group = { template, count: 0, firstSeen: line.at, samples: [] };
      groups.set(template, group);
    }
    group.count++;
    if (line.at < group.firstSeen) group.firstSeen = line.at;
    if (group.samples.length < maxSamples) group.samples.push(line);
  }
  // Map keeps insertion order and sort is stable, so ties stay in first-seen order.
  const sorted = [...groups.values()].sort((a, b) => b.count - a.count);
  return options.maxPatterns !== undefined ? sorted.slice(0, options.maxPatterns) : sorted;
}

/**
 * The incident window's patterns that are new or rose sharply against the baseline, most surprising first (by
 * how many more occurrences there were than the baseline's rate predicts over the window's length). A pattern
 * needs at least `minCount` occurrences (default 3: one odd line is not a pattern) and, when the baseline had it,
 * a rate at least `minRatio` times the baseline's (default 2). The lengths are the spans the lines cover: when a
 * query hit its line limit, that is less than the asked window, and the rates stay honest.
 */
export function comparePatterns(
  current: PatternGroup[],
  baseline: PatternGroup[],
  spans: { currentMs: number; baselineMs: number },
  options: { minCount?: number; minRatio?: number } = {}
): PatternChange[] {
  const minCount = options.minCount ?? 3;
  const minRatio = options.minRatio ?? 2;
  const before = new Map(baseline.map((g) => [g.template, g.count]));
  const changes: PatternChange[] = [];
  for (const group of current) {
    if (group.count < minCount) continue;
    const baselineCount = before.get(group.template) ?? 0;
    const currentRate = group.count / Math.max(1, spans.currentMs);
    const baselineRate = baselineCount / Math.max(1, spans.baselineMs);
    if (baselineCount > 0 && currentRate < minRatio * baselineRate) continue;
    const expected = baselineRate * spans.currentMs;
    changes.push({
      template: group.template,
      count: group.count,
      baselineCount,
      isNew: baselineCount === 0,
      excess: group.count - expected,
      firstSeen: group.firstSeen,
      samples: group.samples,
    });
  }
  return changes.sort((a, b) => b.excess - a.excess);
}
