// The Verify API of exchange payment (seed 002, protocol §6): build the signed request, read the answer and
// check that it answers that request.
import { LlreconError, fieldError } from '../errors.js';
import { noOrder, oidPartner, required, token, userId, verifyCode } from './fields.js';
import type { PrivateKey, PublicKey } from './keys.js';
import { readSignedAnswer, signFields } from './signature.js';
import { formatLianLianTime, isWithinSkew, parseLianLianTime } from './time.js';

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
  /** `yyyyMMddHHmmss` UTC+8, within 30 minutes of `nowMs` (LianLian refuses it otherwise); default: `nowMs`. */
  time_stamp?: string;
}

/** What an answer is checked against: the merchant and the order the request named. */
export interface VerifyRequestIds {
  oid_partner: string;
  no_order: string;
}

/** A verified answer of the Verify API. Business fields come back only with `ret_code` 0000. */
export interface VerifyAnswer {
  ret_code: string;
  ret_msg: string;
  /** `ret_code` is 0000. */
  ok: boolean;
  /**
   * As LianLian sent it: SUCCESS, or PROCESSING in the no-SMS flow (then follow the order up); any other value is
   * kept too (never read as either); null when absent (only on an answer that is not 0000).
   */
  result_pay: string | null;
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

/** The minutes a `time_stamp` may be off LianLian's clock (seed 002). */
const TIME_STAMP_SKEW_MINUTES = 30;

/** Fields a 0000 answer must carry (seed 002's table; each settle field in either spelling). */
const REQUIRED_ON_SUCCESS: ReadonlyArray<readonly string[]> = [
  ['oid_partner'],
  ['sign_type'],
  ['no_order'],
  ['dt_order'],
  ['oid_paybill'],
  ['result_pay'],
  ['settle_date'],
  ['pay_type'],
  ['currency_order'],
  ['money_order'],
  ['currency_settle', 'currency_sellte'],
  ['money_settle', 'money_sellte'],
  ['currency_pay'],
  ['money_pay'],
  ['exchange_rate'],
];

/**
 * Builds the signed request body; `time_stamp` is `nowMs` in UTC+8 unless given, and a given one must be within
 * 30 minutes of `nowMs` (a request LianLian would refuse never leaves).
 * @throws LlreconError `LLRECON_INVALID_FIELD` / `LLRECON_MISSING_FIELD` naming the field.
 */
export function buildVerifyRequest(input: VerifyInput, key: PrivateKey, nowMs: number): Record<string, string> {
  const stamp = input.time_stamp === undefined ? formatLianLianTime(nowMs) : input.time_stamp;
  parseLianLianTime(stamp, 'time_stamp');
  if (!isWithinSkew(stamp, nowMs, TIME_STAMP_SKEW_MINUTES)) {
    throw fieldError('time_stamp', `must be within ${TIME_STAMP_SKEW_MINUTES} minutes of now (${formatLianLianTime(nowMs)}, UTC+8)`);
  }
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
 * Reads and verifies an answer with LianLian's public key, and checks that it answers `request`: an
 * `oid_partner` or `no_order` it carries must be the request's, and a 0000 answer must carry every field of the
 * seed's table (`money_settle`/`currency_settle` in either spelling). An unsigned answer (usual for errors) is
 * never a result: it throws `LLRECON_UNSIGNED_ANSWER` carrying its `retCode`.
 * @throws LlreconError `LLRECON_UNPARSEABLE_ANSWER`, `LLRECON_UNSIGNED_ANSWER`, `LLRECON_BAD_ANSWER_SIGNATURE`,
 *   `LLRECON_ANSWER_MISMATCH` (naming the field), `LLRECON_INCOMPLETE_ANSWER` (naming the field).
 */
export function readVerifyAnswer(raw: string, lianlianKey: PublicKey, request: VerifyRequestIds): VerifyAnswer {
  const { fields, signString } = readSignedAnswer(raw, lianlianKey);
  const field = (name: string): string | null => (fields[name] === undefined || fields[name] === '' ? null : fields[name]);
  const retCode = fields.ret_code ?? '';
  const details = { retCode, retMsg: fields.ret_msg, signString };
  for (const name of ['oid_partner', 'no_order'] as const) {
    const value = field(name);
    if (value !== null && value !== request[name]) {
      throw new LlreconError(
        'LLRECON_ANSWER_MISMATCH',
        `answer (ret_code ${retCode}) names ${name} ${value.slice(0, 64)}, the request ${request[name]}: not this order's answer`,
        { ...details, field: name },
      );
    }
  }
  if (retCode === '0000') {
    const missing = REQUIRED_ON_SUCCESS.find((names) => names.every((name) => field(name) === null));
    if (missing !== undefined) {
      throw new LlreconError('LLRECON_INCOMPLETE_ANSWER', `answer 0000 carries no ${missing.join(' / ')}`, {
        ...details,
        field: missing[0] as string,
      });
    }
  }
  return {
    ret_code: retCode,
    ret_msg: fields.ret_msg ?? '',
    ok: retCode === '0000',
    result_pay: field('result_pay'),
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
