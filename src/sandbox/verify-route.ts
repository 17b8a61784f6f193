// POST /exchange/v1/bankcardpayverify: the exchange-payment Verify API (seed 002), with the tokens and SMS codes
// of the simulated apply step (`LianLianSimulator.issueVerification`).
import { formatLianLianTime, isWithinSkew } from '../lianlian/time.js';
import type { ApiContext } from './api-context.js';
import { noRecordAnswer, signedBody, unsignedAnswer } from './answers.js';
import { retMsgFor } from './messages.js';
import { checkSignedRequest, type RequestRules } from './merchant-request.js';
import type { SimOrder } from './orders.js';
import { madeUpNoOrder, swappedOrder, twistIds } from './twists.js';
import { CODE_VALID_MS, TOKEN_VALID_MS } from './verifications.js';

/** The simulated exchange: CNY paid per unit of the order's currency, in hundredths (6.66). */
const RATE_HUNDREDTHS = 666;
/** LianLian's fee on the settled amount, in ten-thousandths (0.66 %). */
const FEE_BASIS = 66;

const RULES: RequestRules = { version: 'api_version', required: ['time_stamp', 'user_id', 'token', 'verify_code', 'no_order'] };

const toCents = (money: string): number => {
  const [units = '0', cents = '00'] = money.split('.');
  return Number(units) * 100 + Number(cents);
};
const fromCents = (cents: number): string => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

/** The fields of a successful verification of `order`; the settle fields in the samples' spelling when `sellte`. */
function successFields(order: SimOrder, result_pay: string, sellte: boolean, nowMs: number): Record<string, string> {
  const cents = toCents(order.money_order);
  return {
    ret_code: '0000',
    ret_msg: retMsgFor('0000'),
    oid_partner: order.oid_partner,
    no_order: order.no_order,
    dt_order: order.dt_order,
    oid_paybill: order.oid_paybill,
    result_pay,
    settle_date: formatLianLianTime(nowMs).slice(0, 8),
    pay_type: 'D',
    bank_code: '01020000',
    currency_order: 'USD',
    money_order: order.money_order,
    currency_pay: 'CNY',
    money_pay: fromCents(Math.round((cents * RATE_HUNDREDTHS) / 100)),
    [sellte ? 'currency_sellte' : 'currency_settle']: 'USD',
    [sellte ? 'money_sellte' : 'money_settle']: fromCents(cents - Math.round((cents * FEE_BASIS) / 10_000)),
    exchange_rate: fromCents(RATE_HUNDREDTHS),
    no_agree: order.no_agree,
  };
}

/**
 * The answer body to a Verify request. Unsigned errors first, in LianLian's order (see `checkSignedRequest`), then
 * `1004` for a `verify_code` that is not 6 digits or a `time_stamp` more than 30 minutes off; "no record" (8901,
 * unsigned unless `signNoRecord` is on) for an unknown order; unsigned `1000` for a token not issued for this order
 * or older than 30 minutes, `1901` for an SMS code older than 10 minutes, `4009` for a wrong code; else a signed
 * `0000` with the `result_pay` the token was issued with and the exchange fields (`money_settle` or the samples'
 * `money_sellte`, as `settleSpelling` says) — or, when an answer fault is played, the same about something else.
 */
export function answerVerify(raw: string, ctx: ApiContext): string {
  const check = checkSignedRequest(raw, ctx.merchants, RULES);
  if (!check.ok) return unsignedAnswer(check.ret_code, check.field);
  const f = check.fields;
  if (!/^\d{6}$/.test(f.verify_code as string)) return unsignedAnswer('1004', 'verify_code');
  if (!isWithinSkew(f.time_stamp as string, ctx.nowMs)) return unsignedAnswer('1004', 'time_stamp');
  const oid_partner = f.oid_partner as string;
  const order = ctx.orders.get(f.no_order as string);
  if (!order || order.oid_partner !== oid_partner) {
    return noRecordAnswer(oid_partner, { no_order: f.no_order }, ctx.signNoRecord ? { key: ctx.signer } : null);
  }
  const issued = ctx.verifications.get(f.token as string);
  if (!issued || issued.no_order !== order.no_order || ctx.nowMs - issued.issuedMs > TOKEN_VALID_MS) return unsignedAnswer('1000');
  if (ctx.nowMs - issued.issuedMs > CODE_VALID_MS) return unsignedAnswer('1901');
  if (f.verify_code !== issued.verify_code) return unsignedAnswer('4009');
  const sellte = ctx.settleSpelling === 'sellte' || (ctx.settleSpelling === 'either' && ctx.rng() < 0.5);
  const success = (about: SimOrder): Record<string, string> => successFields(about, issued.result_pay, sellte, ctx.nowMs);
  const twist = ctx.twist;
  if (twist?.kind === 'swapped') {
    const other = swappedOrder(order, twist, ctx.orders);
    return signedBody(other === null ? { ...success(order), no_order: madeUpNoOrder(order.no_order) } : success(other), ctx.signer);
  }
  // a stale answer has no earlier state to tell here: the Verify API answers once
  return signedBody(twist === null ? success(order) : twistIds(success(order), twist, ctx.merchants.keys()), ctx.signer);
}
