// The string LianLian signs (protocol §1): top-level fields, `sign` dropped, `sign_type` kept, null/undefined/''
// dropped, keys in ascending ASCII order, `key=value` joined with `&`, values raw (no encoding, no trimming).
import { LlreconError } from '../errors.js';

/**
 * Builds the string to sign or verify from the top-level fields of a request, answer or notification.
 * Strings are used as they are; numbers and booleans as `String(v)`. Keys are compared by UTF-16 code unit
 * (plain `sort()`, never `localeCompare`).
 * @throws LlreconError `LLRECON_SIGN_NON_STRING` naming a field whose value is an object, an array or anything
 *   else that has no text form (LianLian sends nested data as a JSON *string*).
 */
export function buildSignString(fields: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  for (const key of Object.keys(fields).sort()) {
    if (key === 'sign') continue;
    const value = fields[key];
    if (value === null || value === undefined || value === '') continue;
    parts.push(`${key}=${textOf(key, value)}`);
  }
  return parts.join('&');
}

function textOf(key: string, value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    default:
      throw new LlreconError(
        'LLRECON_SIGN_NON_STRING',
        `${key}: a ${Array.isArray(value) ? 'array' : typeof value} cannot be signed; send nested data as a JSON string`,
        { field: key },
      );
  }
}
