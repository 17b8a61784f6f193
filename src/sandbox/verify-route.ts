// POST /exchange/v1/bankcardpayverify: the exchange-payment Verify API (seed 002), always a successful payment.
import { formatLianLianTime, isWithinSkew } from '../lianlian/time.js';
import type { ApiContext } from './api-context.js';
import { notFoundFields, signedBody, unsignedAnswer } from './answers.js';
import { retMsgFor } from './messages.js';
import { checkSignedRequest } from './merchant-request.js';

/** The simulated exchange: CNY paid per unit of the order's currency, in hundredths (6.66). */
const RATE_HUNDREDTHS = 666;
/** LianLian's fee on the settled amount, in ten-thousandths (0.66 %). */
const FEE_BASIS = 66;

const toCents = (money: string): number => {
  const [units = '0', cents = '00'] = money.split('.');
  return Number(units) * 100 + Number(cents);
};
const fromCents = (cents: number): string => `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;

/**
 * The answer body to a Verify request: unsigned `1012`/`3001`/`1001`/`1004` for a bad request (`1004` also for
 * a missing field, a `verify_code` that is not 6 digits, or a `time_stamp` more than 30 minutes off), signed
 * `8901` for an unknown order, else a signed `0000` with `result_pay` SUCCESS and the exchange fields.
 */
export function answerVerify(raw: string, ctx: ApiContext): string {
  const check = checkSignedRequest(raw, ctx.merchants);
  if (!check.ok) return unsignedAnswer(check.ret_code);
  const f = check.fields;
  for (const name of ['time_stamp', 'user_id', 'token', 'verify_code', 'no_order']) if (!f[name]) return unsignedAnswer('1004');
  if (!/^\d{6}$/.test(f.verify_code as string) || !isWithinSkew(f.time_stamp as string, ctx.nowMs)) return unsignedAnswer('1004');
  const oid_partner = f.oid_partner as string;
  const order = ctx.orders.get(f.no_order as string);
  if (!order || order.oid_partner !== oid_partner) return signedBody(notFoundFields(oid_partner, { no_order: f.no_order }), ctx.signer);
  const cents = toCents(order.money_order);
  return signedBody(
    {
      ret_code: '0000',
      ret_msg: retMsgFor('0000'),
      oid_partner,
      no_order: order.no_order,
      dt_order: order.dt_order,
      oid_paybill: order.oid_paybill,
      result_pay: 'SUCCESS',
      settle_date: formatLianLianTime(ctx.nowMs).slice(0, 8),
      pay_type: 'D',
      bank_code: '01020000',
      currency_order: 'USD',
      money_order: order.money_order,
      currency_pay: 'CNY',
      money_pay: fromCents(Math.round((cents * RATE_HUNDREDTHS) / 100)),
      currency_settle: 'USD',
      money_settle: fromCents(cents - Math.round((cents * FEE_BASIS) / 10_000)),
      exchange_rate: fromCents(RATE_HUNDREDTHS),
      no_agree: order.no_agree,
    },
    ctx.signer,
  );
}
