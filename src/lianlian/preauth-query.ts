// The pre-authorization order query (seeds 000/001, protocol §3): build the signed request, read the answer.
import { LlreconError } from '../errors.js';
import { dtOrder, noOrder, oidPartner, oidPaybill, optional, payTypePreauth, platform, required } from './fields.js';
import type { PrivateKey, PublicKey } from './keys.js';
import { readSignedAnswer, signFields } from './signature.js';

export { PREAUTH_QUERY_URL } from './endpoints.js';

/** What identifies the order to query; `dt_order` and at least one of `no_order`/`oid_paybill` are needed. */
export interface PreauthQueryInput {
  oid_partner: string;
  no_order?: string;
  oid_paybill?: string | null;
  dt_order: string;
  /** `F` (default) or `G`. */
  pay_type?: 'F' | 'G';
  platform?: string | null;
}

/** A verified answer of the query: `ret_code` is the order's state (protocol §3). */
export interface PreauthQueryAnswer {
  ret_code: string;
  ret_msg: string;
  oid_partner: string | null;
  no_order: string | null;
  dt_order: string | null;
  oid_paybill: string | null;
  money_order: string | null;
  /** Every field of the answer as text, without `sign`. */
  fields: Record<string, string>;
  /** The string LianLian signed. */
  signString: string;
}

/**
 * Builds the signed request body. Both `no_order` and `oid_paybill` are sent when known (the seeds disagree on
 * which one is required).
 * @throws LlreconError `LLRECON_INVALID_FIELD` / `LLRECON_MISSING_FIELD` naming the field.
 */
export function buildPreauthQueryRequest(input: PreauthQueryInput, key: PrivateKey): Record<string, string> {
  const order = optional(input.no_order, 'no_order', noOrder);
  const paybill = optional(input.oid_paybill, 'oid_paybill', oidPaybill);
  if (order === null && paybill === null) {
    throw new LlreconError('LLRECON_MISSING_FIELD', 'no_order: is required unless oid_paybill is given', { field: 'no_order' });
  }
  const fields: Record<string, string> = { oid_partner: required(input.oid_partner, 'oid_partner', oidPartner) };
  const shared = optional(input.platform, 'platform', platform);
  if (shared !== null) fields.platform = shared;
  fields.sign_type = 'RSA';
  fields.pay_type = optional(input.pay_type, 'pay_type', payTypePreauth) ?? 'F';
  fields.api_version = '1.0';
  if (order !== null) fields.no_order = order;
  fields.dt_order = required(input.dt_order, 'dt_order', dtOrder);
  if (paybill !== null) fields.oid_paybill = paybill;
  return signFields(fields, key);
}

/**
 * Reads and verifies an answer of the query with LianLian's public key.
 * @throws LlreconError `LLRECON_UNPARSEABLE_ANSWER`, `LLRECON_UNSIGNED_ANSWER` (its `retCode` still readable),
 *   `LLRECON_BAD_ANSWER_SIGNATURE`.
 */
export function readPreauthQueryAnswer(raw: string, lianlianKey: PublicKey): PreauthQueryAnswer {
  const { fields, signString } = readSignedAnswer(raw, lianlianKey);
  return {
    ret_code: fields.ret_code ?? '',
    ret_msg: fields.ret_msg ?? '',
    oid_partner: fields.oid_partner ?? null,
    no_order: fields.no_order ?? null,
    dt_order: fields.dt_order ?? null,
    oid_paybill: fields.oid_paybill ?? null,
    money_order: fields.money_order ?? null,
    fields,
    signString,
  };
}
