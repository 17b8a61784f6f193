// Reads a JSON object body without re-serialising its values, so a signature is checked over what was sent:
// a number keeps its literal text (`1.10` stays `1.10`), nested data keeps its raw JSON text. The signature covers
// the fields, not the bytes: a leading UTF-8 BOM is no part of the body, and a key sent twice is refused (which of
// the two did LianLian sign?), the same on every path that reads a signed body.
import { LlreconError, fieldError } from '../errors.js';

/** The top-level fields of a JSON object body, as text. */
export interface SignedBody {
  /** Each top-level field: strings decoded, anything else as its literal JSON text; `null` fields are left out. */
  fields: Record<string, string>;
  /** Fields whose value was not a JSON string (numbers, booleans, objects, arrays), in body order. */
  nonString: string[];
}

/** The text without a leading byte order mark (U+FEFF), which some senders put before a UTF-8 body. */
export function withoutBom(raw: string): string {
  return raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
}

/** The error for a top-level key (or form field) sent more than once: `LLRECON_INVALID_FIELD` naming it. */
export function duplicateKeyError(key: string): LlreconError {
  const name = key.length > 64 ? `${key.slice(0, 64)}…` : key;
  return fieldError(name, 'sent more than once: the signed content is ambiguous');
}

/**
 * Parses a JSON object body keeping each top-level value as it was written; a leading BOM is skipped.
 * @throws LlreconError `LLRECON_INVALID_JSON` when `raw` is not JSON, `LLRECON_NOT_AN_OBJECT` when it is JSON but
 *   not an object, `LLRECON_INVALID_FIELD` naming a top-level key that appears twice (see {@link duplicateKeyError}).
 */
export function parseSignedBody(body: string): SignedBody {
  const raw = withoutBom(body);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new LlreconError('LLRECON_INVALID_JSON', `body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new LlreconError('LLRECON_NOT_AN_OBJECT', `body is JSON but not an object (${describe(parsed)})`);
  }
  return scanTopLevel(raw);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** Walks the top level of a text already known to be a valid JSON object. */
function scanTopLevel(raw: string): SignedBody {
  const values = new Map<string, { text: string; isString: boolean } | null>();
  let at = skipSpace(raw, 0) + 1; // past '{'
  for (;;) {
    at = skipSpace(raw, at);
    if (raw[at] === '}') break;
    const keyEnd = endOfString(raw, at);
    const key = JSON.parse(raw.slice(at, keyEnd)) as string;
    if (values.has(key)) throw duplicateKeyError(key);
    at = skipSpace(raw, skipSpace(raw, keyEnd) + 1); // past ':'
    const valueEnd = endOfValue(raw, at);
    const literal = raw.slice(at, valueEnd);
    if (literal === 'null') values.set(key, null);
    else if (raw[at] === '"') values.set(key, { text: JSON.parse(literal) as string, isString: true });
    else values.set(key, { text: literal, isString: false });
    at = skipSpace(raw, valueEnd);
    if (raw[at] === ',') at += 1;
    else break; // '}'
  }
  const fields: Record<string, string> = {};
  const nonString: string[] = [];
  for (const [key, value] of values) {
    if (value === null) continue;
    // defineProperty: a key such as "__proto__" must stay an ordinary field.
    Object.defineProperty(fields, key, { value: value.text, enumerable: true, writable: true, configurable: true });
    if (!value.isString) nonString.push(key);
  }
  return { fields, nonString };
}

function skipSpace(raw: string, at: number): number {
  let i = at;
  while (raw[i] === ' ' || raw[i] === '\t' || raw[i] === '\n' || raw[i] === '\r') i += 1;
  return i;
}

/** Index just past the JSON string starting at `at` (which is its opening quote). */
function endOfString(raw: string, at: number): number {
  let i = at + 1;
  while (raw[i] !== '"') i += raw[i] === '\\' ? 2 : 1;
  return i + 1;
}

/** Index just past the JSON value starting at `at`. */
function endOfValue(raw: string, at: number): number {
  const first = raw[at];
  if (first === '"') return endOfString(raw, at);
  if (first === '{' || first === '[') {
    let depth = 0;
    let i = at;
    for (;;) {
      const c = raw[i];
      if (c === '"') {
        i = endOfString(raw, i);
        continue;
      }
      if (c === '{' || c === '[') depth += 1;
      else if (c === '}' || c === ']') {
        depth -= 1;
        if (depth === 0) return i + 1;
      }
      i += 1;
    }
  }
  let i = at;
  while (i < raw.length && !/[\s,}\]]/.test(raw[i] ?? '')) i += 1;
  return i;
}
