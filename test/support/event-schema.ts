// docs/events.schema.json compiled with ajv (JSON Schema 2020-12), for the tests that validate events against it.
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';

const schema = JSON.parse(readFileSync(new URL('../../docs/events.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;
// formats are annotations here: the schema's patterns say the same (RFC 3339 UTC), and need no plug-in
const ajv = new Ajv2020({ strict: true, allErrors: true, validateFormats: false });
const validate = ajv.compile(schema);

/** The schema itself, parsed. */
export const EVENT_SCHEMA = schema;

/** Why `event` does not fit the schema (empty: it fits). */
export function schemaProblems(event: unknown): string[] {
  if (validate(event)) return [];
  return (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}
