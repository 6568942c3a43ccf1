/**
 * fast-check arbitraries from the sidecar's own OpenAPI document: for any JSON Schema in it, values that fit the
 * schema, with hostile values mixed in at every depth (NUL and control characters, lone surrogates, 100 kB
 * strings, query-language metacharacters, wrong types, huge and negative numbers, impossible dates, deep nesting,
 * unknown fields, `__proto__`). The API must refuse the hostile ones with a 4xx and store the rest unchanged.
 */
import fc from 'fast-check';

/** The part of JSON Schema (OpenAPI 3.1's dialect) the sidecar's document uses. */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  default?: unknown;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export interface Operation {
  operationId?: string;
  parameters?: Array<{ name: string; in: 'path' | 'query' | 'header'; required?: boolean; schema?: JsonSchema }>;
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, unknown>;
  security?: unknown[];
}

const SQL = [
  "' or '1'='1",
  "'; drop table incidents; --",
  '1; select pg_sleep(5)',
  "x' union select token_hash from api_tokens --",
];
const QUERY_LANGUAGES = [
  '{job=~".+"} |= "\\"',
  'sum(rate(x[5m])) or vector(1)',
  '{ .status = error } >> { }',
  '}{',
  '"',
  '\\',
  '`',
  '$1',
  '{{range}}',
];
const HOSTILE_TEXT = [
  '\u0000',
  'before\u0000after',
  '\u0001\u0008\u000b\u001b[31m\u007f',
  '\uD800',
  'lone \uDFFF low',
  '\uFEFF\u200B\u202Eevil',
  '__proto__',
  'constructor',
  '${jndi:ldap://x}',
  '%00',
  '𝕏'.repeat(3),
  ...SQL,
  ...QUERY_LANGUAGES,
];
const IMPOSSIBLE_DATES = [
  '2026-02-30T00:00:00Z',
  '2025-02-29T12:00:00Z',
  '0001-01-01T00:00:00+14:00',
  '2026-13-01T00:00:00Z',
  '2026-01-01T24:00:01Z',
  '0000-01-01T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '9999-12-31T23:59:59.999999999Z',
  '1970-01-01T00:00:00+25:00',
  '2026-01-01',
  '',
];
const HOSTILE_NUMBERS = [1e308, -1e308, -1, 0, 0.5, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), 5e-324, 1e21];

/** 100 kB and 20 kB strings: past every field's limit, and past the body limit when several come together. */
const hugeText = fc.constantFrom('x'.repeat(100_000), 'é'.repeat(20_000));

/** Arrays nested deeper than any parser should be asked to go. */
const deepNesting = fc.integer({ min: 50, max: 400 }).map((depth) => {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { nested: value };
  return value;
});

/** Values that are wrong for any field: the wrong type, an impossible value, or an attack. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<unknown>(...HOSTILE_TEXT) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(...IMPOSSIBLE_DATES) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(...HOSTILE_NUMBERS) },
  { weight: 1, arbitrary: hugeText },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(null, true, false, [], {}, '1', [null], { __proto__: null }) },
  { weight: 1, arbitrary: deepNesting },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) }
);

/** Resolves `#/components/schemas/X` references against the document. */
export function resolve(schema: JsonSchema, doc: OpenApiDocument): JsonSchema {
  let current = schema;
  for (let hops = 0; current.$ref && hops < 20; hops++) {
    const name = current.$ref.replace('#/components/schemas/', '');
    current = doc.components?.schemas?.[name] ?? {};
  }
  return current;
}

const types = (schema: JsonSchema): string[] =>
  schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];

/**
 * Values that fit `schema`, bounded in size. Strings with a pattern come from the pattern itself
 * (fc.stringMatching); dates stay within years Postgres and JavaScript share.
 */
export function validValue(schema: JsonSchema, doc: OpenApiDocument, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(schema, doc);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((a) => validValue(a, doc, depth + 1)));
  if (s.allOf) return validValue(Object.assign({}, ...s.allOf.map((a) => resolve(a, doc))), doc, depth + 1);
  const kinds = types(s);
  if (kinds.length > 1) return fc.oneof(...kinds.map((type) => validValue({ ...s, type }, doc, depth)));
  switch (kinds[0]) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.integer({ min: Math.max(s.minimum ?? -1000, -1e6), max: Math.min(s.maximum ?? 1000, 1e6) });
    case 'number':
      return fc.double({ min: s.minimum ?? -1000, max: s.maximum ?? 1000, noNaN: true, noDefaultInfinity: true });
    case 'string':
      return validString(s);
    case 'array': {
      const max = Math.min(s.maxItems ?? 3, 3);
      return fc.array(s.items ? validValue(s.items, doc, depth + 1) : fc.string(), {
        minLength: Math.min(s.minItems ?? 0, max),
        maxLength: max,
      });
    }
    case 'object':
      return validObject(s, doc, depth);
    default:
      return depth > 3 ? fc.constant(null) : fc.jsonValue({ maxDepth: 1 });
  }
}

function validString(s: JsonSchema): fc.Arbitrary<string> {
  const minLength = s.minLength ?? 0;
  const maxLength = Math.min(s.maxLength ?? 40, 40);
  const fits = (v: string) => v.length >= minLength && v.length <= (s.maxLength ?? Infinity);
  switch (s.format) {
    case 'uuid':
      return fc.uuid();
    case 'date-time':
      return fc
        .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true })
        .map((d) => d.toISOString());
    case 'uri':
    case 'url':
      return fc.webUrl();
    case 'email':
      return fc.emailAddress();
  }
  if (s.pattern) return fc.stringMatching(new RegExp(s.pattern)).filter(fits);
  return fc.string({ minLength, maxLength: Math.max(minLength, maxLength) });
}

function validObject(s: JsonSchema, doc: OpenApiDocument, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = s.properties ?? {};
  const record = fc.record(
    Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, validValue(value, doc, depth + 1)])),
    { requiredKeys: (s.required ?? []).filter((key) => key in properties) }
  );
  if (typeof s.additionalProperties !== 'object') return record;
  const keys = s.propertyNames
    ? (validString(resolve(s.propertyNames, doc)) as fc.Arbitrary<string>)
    : fc.string({ minLength: 1, maxLength: 12 });
  const extra = fc.dictionary(keys, validValue(s.additionalProperties, doc, depth + 1), { maxKeys: 3 });
  return fc.tuple(record, extra).map(([known, more]) => ({ ...more, ...known }));
}

/**
 * Values for `schema` that are valid except in (at most) one place: one field, at any depth, holds a hostile value,
 * or an object carries unknown fields or `__proto__`. One fault at a time is what reaches the deepest validation
 * and the database: a body wrong in several places is refused at its first fault.
 */
export function oneFaultValue(schema: JsonSchema, doc: OpenApiDocument, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(schema, doc);
  const valid = validValue(s, doc, depth);
  const faults: fc.Arbitrary<unknown>[] = [hostileFor(s)];
  if (types(s).includes('object') && depth < 4) {
    const base = validObject(s, doc, depth);
    for (const [key, property] of Object.entries(s.properties ?? {})) {
      faults.push(
        fc.tuple(base, oneFaultValue(property, doc, depth + 1)).map(([object, value]) => ({ ...object, [key]: value }))
      );
    }
    if (typeof s.additionalProperties === 'object') {
      const inner = oneFaultValue(s.additionalProperties, doc, depth + 1);
      faults.push(
        fc
          .tuple(base, fc.oneof(fc.constantFrom(...HOSTILE_TEXT), fc.string({ maxLength: 10 })), inner)
          .map(([object, key, value]) => ({ ...object, [key]: value }))
      );
    }
    const unknown = fc.oneof(
      fc.dictionary(fc.oneof(fc.constantFrom(...HOSTILE_TEXT), fc.string({ maxLength: 10 })), hostileValue, {
        minKeys: 1,
        maxKeys: 2,
      }),
      fc.constant(JSON.parse('{"__proto__":{"isAdmin":true,"role":"admin"}}') as Record<string, unknown>)
    );
    faults.push(fc.tuple(base, unknown).map(([object, extra]) => ({ ...extra, ...object })));
  } else if (types(s).includes('array') && s.items && depth < 4) {
    const items = s.items;
    const base = fc.array(validValue(items, doc, depth + 1), { maxLength: 2 });
    faults.push(fc.tuple(base, oneFaultValue(items, doc, depth + 1)).map(([array, value]) => [value, ...array]));
  }
  return fc.oneof({ weight: 1, arbitrary: valid }, { weight: 3, arbitrary: fc.oneof(...faults) });
}

/** Hostile values, aimed first at what the field is: impossible dates for a date, out-of-range numbers for a number. */
function hostileFor(s: JsonSchema): fc.Arbitrary<unknown> {
  const aimed =
    s.format === 'date-time'
      ? fc.constantFrom<unknown>(...IMPOSSIBLE_DATES)
      : types(s).some((t) => t === 'integer' || t === 'number')
        ? fc.constantFrom<unknown>(
            ...HOSTILE_NUMBERS,
            s.maximum !== undefined ? s.maximum + 1 : 2 ** 31,
            s.minimum !== undefined ? s.minimum - 1 : -(2 ** 31) - 1
          )
        : undefined;
  return aimed ? fc.oneof({ weight: 2, arbitrary: aimed }, { weight: 1, arbitrary: hostileValue }) : hostileValue;
}

/**
 * Percent-encodes any string for a URL, lone surrogates included (as the three bytes WTF-8 gives them, which are
 * not valid UTF-8: what a broken client would send). encodeURIComponent throws on those.
 */
export function percentEncode(text: string): string {
  let out = '';
  for (const char of text) {
    const unit = char.charCodeAt(0);
    if (char.length === 1 && unit >= 0xd800 && unit <= 0xdfff) {
      out += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 63), 0x80 | (unit & 63)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    } else {
      out += encodeURIComponent(char);
    }
  }
  return out;
}
