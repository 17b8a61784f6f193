// POST /preauthquery.htm: the pre-auth query, answered like LianLian.
import type { ApiContext } from './api-context.js';
import { noRecordAnswer, preauthAnswerFields, signedBody, signedPreauthAnswer, unsignedAnswer } from './answers.js';
import type { AnswerTwist } from './faults.js';
import { checkSignedRequest, type RequestRules } from './merchant-request.js';
import type { SimOrder } from './orders.js';
import { madeUpNoOrder, swappedOrder, twistIds } from './twists.js';

const RULES: RequestRules = { version: 'api_version', payTypes: ['F', 'G'], required: ['dt_order'] };

/**
 * The answer body to a pre-auth query. Unsigned errors first, in LianLian's order (see `checkSignedRequest`),
 * then `1004` for a `dt_order` that is not 14 digits or neither `no_order` nor `oid_paybill`; "no record" (8901,
 * unsigned unless `signNoRecord` is on) for an order the simulator does not know or whose `oid_partner` or
 * `dt_order` differ; unsigned `9092` when the `oid_paybill` given is not the order's; else the order's signed
 * state, counting the query on its timeline — or, when an answer fault is played, a genuine signed answer about
 * something else that counts on no timeline.
 */
export function answerPreauthQuery(raw: string, ctx: ApiContext): string {
  const check = checkSignedRequest(raw, ctx.merchants, RULES);
  if (!check.ok) return unsignedAnswer(check.ret_code, check.field);
  const f = check.fields;
  const oid_partner = f.oid_partner as string;
  if (!/^\d{14}$/.test(f.dt_order as string)) return unsignedAnswer('1004', 'dt_order');
  if (!f.no_order && !f.oid_paybill) return unsignedAnswer('1004', 'no_order');
  const order = f.no_order ? ctx.orders.get(f.no_order) : ctx.orders.byPaybill(f.oid_paybill as string);
  if (!order || order.oid_partner !== oid_partner || order.dt_order !== f.dt_order) {
    return noRecordAnswer(oid_partner, { no_order: f.no_order, oid_paybill: f.oid_paybill }, ctx.signNoRecord ? { key: ctx.signer } : null);
  }
  if (f.oid_paybill && f.oid_paybill !== order.oid_paybill) return unsignedAnswer('9092');
  if (ctx.twist !== null) {
    const twisted = twistedAnswer(order, ctx.twist, ctx);
    if (twisted !== null) return twisted;
  }
  const { code, entered } = ctx.orders.answer(order, ctx.nowMs);
  ctx.onEntered(entered);
  return signedPreauthAnswer(order, code, ctx.signer);
}

/** What a lagging replica or a misrouted reply would say, signed; null when the twist has nothing to say. */
function twistedAnswer(order: SimOrder, twist: AnswerTwist, ctx: ApiContext): string | null {
  const now = ctx.orders.peek(order, ctx.nowMs);
  ctx.onEntered(now.entered);
  switch (twist.kind) {
    case 'stale': {
      const earlier = twist.code ?? ctx.orders.earlierCode(order, now.code);
      return earlier === null ? null : signedBody(preauthAnswerFields(order, earlier), ctx.signer);
    }
    case 'swapped': {
      const other = swappedOrder(order, twist, ctx.orders);
      if (other === null)
        return signedBody({ ...preauthAnswerFields(order, now.code), no_order: madeUpNoOrder(order.no_order) }, ctx.signer);
      const its = ctx.orders.peek(other, ctx.nowMs);
      ctx.onEntered(its.entered);
      return signedBody(preauthAnswerFields(other, its.code), ctx.signer);
    }
    default:
      return signedBody(twistIds(preauthAnswerFields(order, now.code), twist, ctx.merchants.keys()), ctx.signer);
  }
}
