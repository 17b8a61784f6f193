// Checking a merchant's signed request the way LianLian does, in LianLian's order: a parseable body, the
// signature (with the key of the merchant it names: an unknown merchant has none), then the request's own fields.
import type { PublicKey } from '../lianlian/keys.js';
import { parseSignedBody } from '../lianlian/signed-body.js';
import { verifyFields } from '../lianlian/signature.js';

/** A request that passed (its string fields), or the unsigned error code to answer, with the field at fault. */
export type RequestCheck = { ok: true; fields: Record<string, string> } | { ok: false; ret_code: string; field?: string };

/** What one API asks of its requests beyond the signature. */
export interface RequestRules {
  /** The version field, which must be `1.0`: `api_version` for the APIs, `version` for the WEB cashier. */
  version: 'api_version' | 'version';
  /** The `pay_type`s it takes, when it takes one. */
  payTypes?: readonly string[];
  /** Fields that must be present and not empty. */
  required: readonly string[];
}

/**
 * Checks a raw JSON request body, in this order: `1012` not a JSON object (or a key sent twice); `1001` no `sign`;
 * `3001` an `oid_partner` the simulator does not know; `1001` a signature that does not verify; then `1004` naming
 * the field: a value that is not a string, the version, `pay_type`, `sign_type` (RSA), a required field.
 */
export function checkSignedRequest(raw: string, merchants: ReadonlyMap<string, PublicKey>, rules: RequestRules): RequestCheck {
  let body: ReturnType<typeof parseSignedBody>;
  try {
    body = parseSignedBody(raw);
  } catch {
    return { ok: false, ret_code: '1012' };
  }
  const f = body.fields;
  const fail = (ret_code: string, field?: string): RequestCheck => ({ ok: false, ret_code, ...(field === undefined ? {} : { field }) });
  if (!f.sign) return fail('1001');
  const key = f.oid_partner === undefined ? undefined : merchants.get(f.oid_partner);
  if (!key) return fail('3001');
  const nonString = body.nonString[0];
  if (nonString !== undefined) return fail('1004', nonString);
  if (!verifyFields(f, key).valid) return fail('1001');
  if (f[rules.version] !== '1.0') return fail('1004', rules.version);
  if (rules.payTypes && !rules.payTypes.includes(f.pay_type ?? '')) return fail('1004', 'pay_type');
  if (f.sign_type !== 'RSA') return fail('1004', 'sign_type');
  const missing = rules.required.find((name) => !f[name]);
  if (missing !== undefined) return fail('1004', missing);
  return { ok: true, fields: f };
}

/** The `no_order` a body names, if it is a JSON object with a string one (for aiming faults). */
export function peekNoOrder(raw: string): string | null {
  try {
    const v: unknown = JSON.parse(raw);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const no = (v as Record<string, unknown>).no_order;
      if (typeof no === 'string') return no;
    }
  } catch {
    // not JSON: no order named
  }
  return null;
}
