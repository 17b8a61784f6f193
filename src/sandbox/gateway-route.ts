// POST /payment/bankgateway.htm: the WEB Payment cashier. Checks the merchant's signed form, registers the
// pre-authorization, and shows a small page; a button back to the merchant's url_return (the signed synchronous
// return) only once the authorization succeeded, as seed 003 says: none for failed or pending ones.
import { isLlreconError } from '../errors.js';
import { escapeHtml } from '../escape-html.js';
import { formatLianLianTime, isWithinSkew } from '../lianlian/time.js';
import type { ApiContext } from './api-context.js';
import { signedBody } from './answers.js';
import { retMsgFor } from './messages.js';
import { checkSignedRequest, type RequestRules } from './merchant-request.js';
import type { SimOrder } from './orders.js';

const REQUIRED = [
  'oid_partner',
  'user_id',
  'timestamp',
  'busi_partner',
  'no_order',
  'dt_order',
  'name_goods',
  'money_order',
  'notify_url',
  'userreq_ip',
  'risk_item',
];

/** The simulator's cashier only does pre-authorizations (`pay_type` F). */
const RULES: RequestRules = { version: 'version', payTypes: ['F'], required: REQUIRED };

/** The codes of an order whose authorization succeeded (whatever came after it): a synchronous return is sent. */
const AUTHORIZED: ReadonlySet<string> = new Set(['PR07', 'PR12', 'PR13', 'PR11', 'PR15', 'PR16', 'PR14']);

/** The cashier's answer: an HTML page. */
export interface GatewayPage {
  status: number;
  html: string;
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1>${body}<p><small>LianLian simulator (llrecon sandbox): nothing is real.</small></p></body></html>`;
}

function errorPage(code: string, field?: string): GatewayPage {
  return { status: 400, html: page('支付请求失败', `<p>ret_code ${escapeHtml(code)}: ${escapeHtml(retMsgFor(code, field))}</p>`) };
}

/** The form's fields, or the first field sent twice (which one did the merchant sign?). */
function readForm(body: string): { fields: Record<string, string> } | { twice: string } {
  const form = new Map<string, string>();
  for (const [key, value] of new URLSearchParams(body)) {
    if (form.has(key)) return { twice: key };
    form.set(key, value);
  }
  return { fields: Object.fromEntries(form) };
}

const isHttpUrl = (s: string): boolean => {
  try {
    return ['http:', 'https:'].includes(new URL(s).protocol);
  } catch {
    return false;
  }
};

/** A form that posts the signed synchronous return (`url_return`) back to the merchant's site. */
function returnForm(url: string, order: SimOrder, info_order: string | undefined, ctx: ApiContext): string {
  const fields: Record<string, string> = {
    ret_code: '0000',
    ret_msg: retMsgFor('0000'),
    oid_partner: order.oid_partner,
    no_order: order.no_order,
    dt_order: order.dt_order,
    oid_paybill: order.oid_paybill,
    money_order: order.money_order,
    settle_date: formatLianLianTime(ctx.nowMs).slice(0, 8),
    pay_type: order.pay_type,
    bank_code: '03080000',
  };
  if (info_order) fields.info_order = info_order;
  const signed = JSON.parse(signedBody(fields, ctx.signer)) as Record<string, string>;
  const inputs = Object.entries(signed)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('');
  return `<form method="post" action="${escapeHtml(url)}">${inputs}<button type="submit">返回商户</button></form>`;
}

/**
 * Answers a WEB Payment form (an `application/x-www-form-urlencoded` body). A bad request gets an error page with
 * LianLian's code: `1004` naming a field sent twice, then the checks of `checkSignedRequest` in LianLian's order,
 * then `1004` naming a `notify_url`/`url_return` that is not http(s), a `timestamp` more than 30 minutes off or an
 * order number another merchant uses. A good one registers a pre-authorization (`pay_type` F) with a random timeline and its
 * `notify_url`, once: posting the same order again shows it again, with the synchronous return once authorized.
 */
export function answerGatewayForm(body: string, ctx: ApiContext): GatewayPage {
  const form = readForm(body);
  if ('twice' in form) return errorPage('1004', form.twice);
  const check = checkSignedRequest(JSON.stringify(form.fields), ctx.merchants, RULES);
  if (!check.ok) return errorPage(check.ret_code, check.field);
  const f = check.fields;
  for (const name of ['notify_url', 'url_return'] as const) if (f[name] && !isHttpUrl(f[name])) return errorPage('1004', name);
  if (!isWithinSkew(f.timestamp as string, ctx.nowMs)) return errorPage('1004', 'timestamp');
  let order = ctx.orders.get(f.no_order as string);
  if (order && order.oid_partner !== f.oid_partner) return errorPage('1004', 'no_order');
  if (!order) {
    try {
      order = ctx.orders.add(
        {
          oid_partner: f.oid_partner as string,
          no_order: f.no_order as string,
          dt_order: f.dt_order as string,
          money_order: f.money_order as string,
          pay_type: 'F',
          notifyUrl: f.notify_url as string,
        },
        ctx.nowMs,
      );
    } catch (err) {
      if (isLlreconError(err)) return errorPage('1004', err.field);
      throw err;
    }
  }
  const { code, entered } = ctx.orders.peek(order, ctx.nowMs);
  ctx.onEntered(entered);
  const summary =
    `<p>订单 ${escapeHtml(order.no_order)}，金额 ${escapeHtml(order.money_order)} 元，连连支付单号 ${escapeHtml(order.oid_paybill)}。</p>` +
    `<p>预授权申请已受理：状态请以异步通知和查询接口为准。</p>`;
  const back = f.url_return && AUTHORIZED.has(code) ? returnForm(f.url_return, order, f.info_order, ctx) : '';
  return { status: 200, html: page('连连支付 · 预授权', summary + back) };
}
