// The Verify API of exchange payment (seed 002, protocol §6): build the signed request, read the answer.
import { noOrder, oidPartner, required, token, userId, verifyCode } from './fields.js';
import type { PrivateKey, PublicKey } from './keys.js';
import { readSignedAnswer, signFields } from './signature.js';
import { formatLianLianTime, parseLianLianTime } from './time.js';

export { VERIFY_API_URL } from './endpoints.js';

/** What a verification sends. */
export interface VerifyInput {
  oid_partner: string;
  user_id: string;
  /** From the apply step; valid 30 minutes. */
  token: string;
  /** The SMS code, 6 digits; valid 10 minutes. */
  verify_code: string;
  no_order: string;
  /** `yyyyMMddHHmmss` UTC+8; default: `nowMs`. */
  time_stamp?: string;
}

/** A verified answer of the Verify API. Business fields come back only with `ret_code` 0000. */
export interface VerifyAnswer {
  ret_code: string;
  ret_msg: string;
  /** `ret_code` is 0000. */
  ok: boolean;
  /** SUCCESS, or PROCESSING in the no-SMS flow (then follow the order up); null when absent or unknown. */
  result_pay: 'SUCCESS' | 'PROCESSING' | null;
  oid_partner: string | null;
  no_order: string | null;
  dt_order: string | null;
  oid_paybill: string | null;
  settle_date: string | null;
  info_order: string | null;
  pay_type: string | null;
  currency_order: string | null;
  money_order: string | null;
  /** `currency_settle`, or the samples' spelling `currency_sellte`. */
  currency_settle: string | null;
  /** `money_settle`, or the samples' spelling `money_sellte`. */
  money_settle: string | null;
  currency_pay: string | null;
  money_pay: string | null;
  exchange_rate: string | null;
  no_agree: string | null;
  bank_code: string | null;
  /** Every field of the answer as text, without `sign`. */
  fields: Record<string, string>;
  signString: string;
}

/**
 * Builds the signed request body; `time_stamp` is `nowMs` in UTC+8 unless given.
 * @throws LlreconError `LLRECON_INVALID_FIELD` / `LLRECON_MISSING_FIELD` naming the field.
 */
export function buildVerifyRequest(input: VerifyInput, key: PrivateKey, nowMs: number): Record<string, string> {
  const stamp = input.time_stamp === undefined ? formatLianLianTime(nowMs) : input.time_stamp;
  parseLianLianTime(stamp, 'time_stamp');
  return signFields(
    {
      api_version: '1.0',
      sign_type: 'RSA',
      time_stamp: stamp,
      oid_partner: required(input.oid_partner, 'oid_partner', oidPartner),
      user_id: required(input.user_id, 'user_id', userId),
      token: required(input.token, 'token', token),
      verify_code: required(input.verify_code, 'verify_code', verifyCode),
      no_order: required(input.no_order, 'no_order', noOrder),
    },
    key,
  );
}

/**
 * Reads and verifies an answer with LianLian's public key. An unsigned answer (usual for errors) is never a
 * result: it throws `LLRECON_UNSIGNED_ANSWER` carrying its `retCode`.
 * @throws LlreconError `LLRECON_UNPARSEABLE_ANSWER`, `LLRECON_UNSIGNED_ANSWER`, `LLRECON_BAD_ANSWER_SIGNATURE`.
 */
export function readVerifyAnswer(raw: string, lianlianKey: PublicKey): VerifyAnswer {
  const { fields, signString } = readSignedAnswer(raw, lianlianKey);
  const field = (name: string): string | null => fields[name] ?? null;
  const result = fields.result_pay;
  return {
    ret_code: fields.ret_code ?? '',
    ret_msg: fields.ret_msg ?? '',
    ok: fields.ret_code === '0000',
    result_pay: result === 'SUCCESS' || result === 'PROCESSING' ? result : null,
    oid_partner: field('oid_partner'),
    no_order: field('no_order'),
    dt_order: field('dt_order'),
    oid_paybill: field('oid_paybill'),
    settle_date: field('settle_date'),
    info_order: field('info_order'),
    pay_type: field('pay_type'),
    currency_order: field('currency_order'),
    money_order: field('money_order'),
    currency_settle: field('currency_settle') ?? field('currency_sellte'),
    money_settle: field('money_settle') ?? field('money_sellte'),
    currency_pay: field('currency_pay'),
    money_pay: field('money_pay'),
    exchange_rate: field('exchange_rate'),
    no_agree: field('no_agree'),
    bank_code: field('bank_code'),
    fields,
    signString,
  };
}
