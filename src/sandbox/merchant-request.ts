// Checking a merchant's signed request the way LianLian does: parseable, a known merchant, a valid signature.
import type { PublicKey } from '../lianlian/keys.js';
import { parseSignedBody } from '../lianlian/signed-body.js';
import { verifyBody } from '../lianlian/signature.js';

/** A request that passed (its string fields), or the unsigned error code to answer. */
export type RequestCheck = { ok: true; fields: Record<string, string> } | { ok: false; ret_code: string };

/**
 * Checks a raw JSON request body: `1012` not a JSON object, `3001` unknown `oid_partner`, `1001` missing or
 * wrong signature, `1004` a field that is not a string.
 */
export function checkSignedRequest(raw: string, merchants: ReadonlyMap<string, PublicKey>): RequestCheck {
  let fields: Record<string, string>;
  try {
    fields = parseSignedBody(raw).fields;
  } catch {
    return { ok: false, ret_code: '1012' };
  }
  const key = fields.oid_partner === undefined ? undefined : merchants.get(fields.oid_partner);
  if (!key) return { ok: false, ret_code: '3001' };
  const verdict = verifyBody(raw, key);
  if (verdict.reason === 'non_string') return { ok: false, ret_code: '1004' };
  if (!verdict.valid) return { ok: false, ret_code: '1001' };
  return { ok: true, fields };
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
