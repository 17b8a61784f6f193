// The bodies the simulator answers with: unsigned error answers, signed answers, and the deliberately broken one.
import type { PrivateKey } from '../lianlian/keys.js';
import { signFields } from '../lianlian/signature.js';
import { retMsgFor } from './messages.js';
import type { SimOrder } from './orders.js';

/**
 * An unsigned `{"ret_code","ret_msg"}` answer, as LianLian sends for most errors; `detail` (the parameter of a
 * 1004) goes into `ret_msg`.
 */
export function unsignedAnswer(code: string, detail?: string): string {
  return JSON.stringify({ ret_code: code, ret_msg: retMsgFor(code, detail) });
}

/** `fields` with `sign_type` RSA, signed with `key`, as a JSON body. */
export function signedBody(fields: Record<string, string>, key: PrivateKey): string {
  return JSON.stringify(signFields({ ...fields, sign_type: 'RSA' }, key));
}

/** The pre-auth query answer's fields for an order that answers `code`. */
export function preauthAnswerFields(order: SimOrder, code: string): Record<string, string> {
  return {
    ret_code: code,
    ret_msg: retMsgFor(code),
    oid_partner: order.oid_partner,
    no_order: order.no_order,
    dt_order: order.dt_order,
    oid_paybill: order.oid_paybill,
    money_order: order.money_order,
  };
}

/** The last answer signed for each order: its code, the key, and the body. */
const lastAnswer = new WeakMap<SimOrder, { code: string; key: PrivateKey; body: string }>();

/**
 * The signed pre-auth answer for `order` in `code`. An order's answer fields never change while its code stays
 * (SimOrder is read-only), and an MD5withRSA (PKCS#1 v1.5) signature of the same bytes is the same bytes, so the
 * body signed for the order's last answer is given again instead of signing anew: the same answer, without the
 * RSA work (which would otherwise take the CPU a benchmark measures llrecon with).
 */
export function signedPreauthAnswer(order: SimOrder, code: string, key: PrivateKey): string {
  const last = lastAnswer.get(order);
  if (last && last.code === code && last.key === key) return last.body;
  const body = signedBody(preauthAnswerFields(order, code), key);
  lastAnswer.set(order, { code, key, body });
  return body;
}

/**
 * The "no record" (8901) answer for an order LianLian does not know: unsigned as LianLian sends it, or signed with
 * the ids asked about when `signed` (the simulator's `signNoRecord`).
 */
export function noRecordAnswer(
  oid_partner: string,
  ids: { no_order?: string; oid_paybill?: string },
  signed: { key: PrivateKey } | null,
): string {
  if (signed === null) return unsignedAnswer('8901');
  const fields: Record<string, string> = { ret_code: '8901', ret_msg: retMsgFor('8901'), oid_partner };
  if (ids.no_order) fields.no_order = ids.no_order;
  if (ids.oid_paybill) fields.oid_paybill = ids.oid_paybill;
  return signedBody(fields, signed.key);
}

/** A body cut short mid-way, as a broken proxy might deliver it: not JSON. */
export const MALFORMED_BODY = '{"ret_code":"0000","ret_msg":"交易成功","oid_partner":"2';
