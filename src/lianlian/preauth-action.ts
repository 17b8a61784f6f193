// What the capture (preauthComplete.htm) and void (preauthCancel.htm) APIs share (protocol §8): the signed request
// and the reading of an answer, which must be signed by LianLian and bound to the order it answers, like a query's.
import { LlreconError } from '../errors.js';
import { dtOrder, noOrder, oidPartner, oidPaybill, optional, payTypePreauth, platform, required, userId } from './fields.js';
import type { PrivateKey, PublicKey } from './keys.js';
import { parseMoney } from './money.js';
import { readSignedAnswer, signFields } from './signature.js';

/** The order an action is about, and the payer it belongs to. */
export interface PreauthActionInput {
  oid_partner: string;
  no_order: string;
  dt_order: string;
  /** LianLian's payment number, sent when known. */
  oid_paybill?: string | null;
  /** `F` (documented) or `G`. */
  pay_type?: 'F' | 'G';
  platform?: string | null;
  /** The payer's id in the merchant's system (String(32), required by both APIs). */
  user_id: string;
  /** Capture: the amount to capture; void: the authorized amount. Exactly two decimals. */
  money_order: string;
}

/** A verified answer of either API, bound to the order. `ok`: `ret_code` 0000, which is not proof (see §8). */
export interface PreauthActionAnswer {
  ret_code: string;
  ret_msg: string;
  ok: boolean;
  oid_paybill: string | null;
  money_order: string | null;
  settle_date: string | null;
  /** Every field of the answer as text, without `sign`. */
  fields: Record<string, string>;
  signString: string;
}

/**
 * The signed body of an action request: every field checked first, so that a request LianLian would refuse
 * never leaves. `extra` carries fields of one API only (capture's `risk_item`, already checked).
 * @throws LlreconError `LLRECON_INVALID_FIELD` / `LLRECON_MISSING_FIELD` naming the field.
 */
export function buildPreauthActionRequest(
  input: PreauthActionInput,
  key: PrivateKey,
  extra: Record<string, string> = {},
): Record<string, string> {
  const fields: Record<string, string> = { oid_partner: required(input.oid_partner, 'oid_partner', oidPartner) };
  const shared = optional(input.platform, 'platform', platform);
  if (shared !== null) fields.platform = shared;
  fields.sign_type = 'RSA';
  fields.user_id = required(input.user_id, 'user_id', userId);
  fields.pay_type = optional(input.pay_type, 'pay_type', payTypePreauth) ?? 'F';
  fields.api_version = '1.0';
  fields.money_order = required(input.money_order, 'money_order', parseMoney);
  fields.no_order = required(input.no_order, 'no_order', noOrder);
  fields.dt_order = required(input.dt_order, 'dt_order', dtOrder);
  const paybill = optional(input.oid_paybill, 'oid_paybill', oidPaybill);
  if (paybill !== null) fields.oid_paybill = paybill;
  return signFields({ ...fields, ...extra }, key);
}

/** What an answer must match: the request it answers. */
export type ActionRequestIds = Pick<PreauthActionInput, 'oid_partner' | 'no_order' | 'dt_order'> & { oid_paybill?: string | null };

/**
 * Reads an answer, checks LianLian's signature and binds it to the request: its `oid_partner` must be the
 * merchant's, and its `no_order`, `dt_order` and `oid_paybill`, whenever it carries them (and, for
 * `oid_paybill`, the request had one), the request's.
 * @throws LlreconError `LLRECON_UNPARSEABLE_ANSWER`, `LLRECON_UNSIGNED_ANSWER`, `LLRECON_BAD_ANSWER_SIGNATURE`
 *   (each with `retCode` when readable), `LLRECON_ANSWER_MISMATCH` naming the field.
 */
export function readPreauthActionAnswer(raw: string, lianlianKey: PublicKey, request: ActionRequestIds): PreauthActionAnswer {
  const { fields, signString } = readSignedAnswer(raw, lianlianKey);
  const field = (name: string): string | null => (fields[name] === undefined || fields[name] === '' ? null : fields[name]);
  const retCode = fields.ret_code ?? '';
  const details = { retCode, retMsg: fields.ret_msg, signString };
  const mismatch = (name: string, theirs: string, ours: string): LlreconError =>
    new LlreconError(
      'LLRECON_ANSWER_MISMATCH',
      `answer (ret_code ${retCode}) names ${name} ${theirs.slice(0, 64)}, the request ${ours}: not this order's answer`,
      { ...details, field: name },
    );
  const partner = field('oid_partner');
  if (partner === null) throw mismatch('oid_partner', '(none)', request.oid_partner);
  if (partner !== request.oid_partner) throw mismatch('oid_partner', partner, request.oid_partner);
  for (const name of ['no_order', 'dt_order'] as const) {
    const theirs = field(name);
    if (theirs !== null && theirs !== request[name]) throw mismatch(name, theirs, request[name]);
  }
  const paybill = field('oid_paybill');
  if (paybill !== null && request.oid_paybill && paybill !== request.oid_paybill)
    throw mismatch('oid_paybill', paybill, request.oid_paybill);
  return {
    ret_code: retCode,
    ret_msg: fields.ret_msg ?? '',
    ok: retCode === '0000',
    oid_paybill: paybill,
    money_order: field('money_order'),
    settle_date: field('settle_date'),
    fields,
    signString,
  };
}
