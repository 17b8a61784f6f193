// POST /preauthquery.htm: the pre-auth query, answered like LianLian.
import type { ApiContext } from './api-context.js';
import { notFoundFields, signedBody, signedPreauthAnswer, unsignedAnswer } from './answers.js';
import { checkSignedRequest } from './merchant-request.js';

/**
 * The answer body to a pre-auth query: unsigned `1012`/`3001`/`1001`/`1004` for a bad request, signed `8901`
 * for an order the simulator does not know (or whose `oid_partner`, `dt_order` or `oid_paybill` differ), else
 * the order's signed state — counting the query on its timeline.
 */
export function answerPreauthQuery(raw: string, ctx: ApiContext): string {
  const check = checkSignedRequest(raw, ctx.merchants);
  if (!check.ok) return unsignedAnswer(check.ret_code);
  const f = check.fields;
  const oid_partner = f.oid_partner as string;
  if (!f.dt_order || !/^\d{14}$/.test(f.dt_order) || (!f.no_order && !f.oid_paybill)) return unsignedAnswer('1004');
  const order = f.no_order ? ctx.orders.get(f.no_order) : ctx.orders.byPaybill(f.oid_paybill as string);
  if (
    !order ||
    order.oid_partner !== oid_partner ||
    order.dt_order !== f.dt_order ||
    (f.oid_paybill !== undefined && f.oid_paybill !== '' && f.oid_paybill !== order.oid_paybill)
  ) {
    return signedBody(notFoundFields(oid_partner, { no_order: f.no_order, oid_paybill: f.oid_paybill }), ctx.signer);
  }
  const { code, entered } = ctx.orders.answer(order, ctx.nowMs);
  ctx.onEntered(entered);
  return signedPreauthAnswer(order, code, ctx.signer);
}
