// The WEB Payment API (seed 003): the signed form the payer's browser POSTs to LianLian's cashier, and the two
// notifications that come back (url_return form POST, notify_url JSON body), checked with LianLian's key.
import { fieldError } from '../errors.js';
import { escapeHtml } from '../escape-html.js';
import {
  acctName,
  busiPartner,
  cardNo,
  dtOrder,
  idNo,
  idType,
  infoOrder,
  nameGoods,
  noAgree,
  noOrder,
  oidPartner,
  optional,
  payTypeWeb,
  platform,
  required,
  url,
  userId,
  userreqIp,
  validOrder,
} from './fields.js';
import type { PrivateKey, PublicKey } from './keys.js';
import { parseMoney } from './money.js';
import { signFields, verifyBody, verifyFields, type VerifyResult } from './signature.js';
import { formatLianLianTime, isWithinSkew, parseLianLianTime } from './time.js';

/**
 * LianLian's cashier for the WEB Payment form. The seed does not name the endpoint (it only says the form is
 * POSTed from the browser), so callers should make it configurable; this is the address LianLian's demos use.
 */
export const WEB_PAYMENT_URL = 'https://cashier.lianlianpay.com/payment/bankgateway.htm';

/** The answer LianLian expects to an asynchronous notification (HTTP 200, JSON). */
export const NOTIFY_ACK = Object.freeze({ ret_code: '0000', ret_msg: '交易成功' } as const);

/** What the merchant fills in for one WEB payment (the seed's fields; `version`, `sign_type`, `sign` are added). */
export interface WebPaymentInput {
  oid_partner: string;
  platform?: string | null;
  user_id: string;
  /** `yyyyMMddHHmmss` UTC+8, within 30 minutes of `nowMs` (LianLian refuses it otherwise); default: `nowMs`. */
  timestamp?: string;
  /** `101001` virtual goods, `109001` physical goods. */
  busi_partner: string;
  no_order: string;
  dt_order: string;
  name_goods: string;
  info_order?: string | null;
  /** Exactly two decimals, 0.01 … 100000000.00. */
  money_order: string;
  notify_url: string;
  url_return?: string | null;
  /** The payer's IPv4 with `_` for `.`. */
  userreq_ip: string;
  url_order?: string | null;
  /** Minutes (LianLian's default 10080). */
  valid_order?: number | string | null;
  /** `M` regular, `F` pre-authorization (credit cards only). */
  pay_type: 'M' | 'F';
  /** A JSON object as a string, or an object (serialised once with `JSON.stringify`). */
  risk_item: string | Readonly<Record<string, unknown>>;
  back_url?: string | null;
  no_agree?: string | null;
  acct_name?: string | null;
  card_no?: string | null;
  id_type?: string | null;
  id_no?: string | null;
}

/** A checked notification: the signature verdict and the fields LianLian sends (null when absent). */
export interface Notification {
  valid: boolean;
  reason: VerifyResult['reason'];
  signString: string;
  oid_partner: string | null;
  no_order: string | null;
  dt_order: string | null;
  oid_paybill: string | null;
  money_order: string | null;
  result_pay: string | null;
  settle_date: string | null;
  info_order: string | null;
  pay_type: string | null;
  bank_code: string | null;
  no_agree: string | null;
  ret_code: string | null;
  ret_msg: string | null;
  /** Every field as text, without `sign`. */
  fields: Record<string, string>;
}

function riskItem(value: unknown, field = 'risk_item'): string {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return JSON.stringify(value);
  if (typeof value !== 'string') throw fieldError(field, 'must be a JSON object, or a string holding one');
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw fieldError(field, 'must be a string holding a JSON object');
  }
  return value;
}

/** The minutes a `timestamp` may be off LianLian's clock (seed 003). */
const TIMESTAMP_SKEW_MINUTES = 30;

/**
 * Builds the signed fields of the WEB Payment form, in the seed's order, optional ones only when given. A given
 * `timestamp` must be within 30 minutes of `nowMs`: a form LianLian would refuse is never built.
 * @throws LlreconError `LLRECON_INVALID_FIELD` / `LLRECON_MISSING_FIELD` naming the field.
 */
export function buildWebPaymentForm(input: WebPaymentInput, key: PrivateKey, nowMs: number): Record<string, string> {
  const timestamp = input.timestamp ?? formatLianLianTime(nowMs);
  parseLianLianTime(timestamp, 'timestamp');
  if (!isWithinSkew(timestamp, nowMs, TIMESTAMP_SKEW_MINUTES)) {
    throw fieldError('timestamp', `must be within ${TIMESTAMP_SKEW_MINUTES} minutes of now (${formatLianLianTime(nowMs)}, UTC+8)`);
  }
  const fields: Record<string, string> = {};
  const put = (name: string, value: string | number | null): void => {
    if (value !== null) fields[name] = String(value);
  };
  put('version', '1.0');
  put('oid_partner', required(input.oid_partner, 'oid_partner', oidPartner));
  put('platform', optional(input.platform, 'platform', platform));
  put('user_id', required(input.user_id, 'user_id', userId));
  put('timestamp', timestamp);
  put('sign_type', 'RSA');
  put('busi_partner', required(input.busi_partner, 'busi_partner', busiPartner));
  put('no_order', required(input.no_order, 'no_order', noOrder));
  put('dt_order', required(input.dt_order, 'dt_order', dtOrder));
  put('name_goods', required(input.name_goods, 'name_goods', nameGoods));
  put('info_order', optional(input.info_order, 'info_order', infoOrder));
  put('money_order', required(input.money_order, 'money_order', parseMoney));
  put('notify_url', required(input.notify_url, 'notify_url', url));
  put('url_return', optional(input.url_return, 'url_return', url));
  put('userreq_ip', required(input.userreq_ip, 'userreq_ip', userreqIp));
  put(
    'url_order',
    optional(input.url_order, 'url_order', (v, f) => url(v, f, 255)),
  );
  put('valid_order', optional(input.valid_order, 'valid_order', validOrder));
  put('pay_type', required(input.pay_type, 'pay_type', payTypeWeb));
  put('risk_item', required(input.risk_item, 'risk_item', riskItem));
  put('back_url', optional(input.back_url, 'back_url', url));
  put('no_agree', optional(input.no_agree, 'no_agree', noAgree));
  put('acct_name', optional(input.acct_name, 'acct_name', acctName));
  put('card_no', optional(input.card_no, 'card_no', cardNo));
  put('id_type', optional(input.id_type, 'id_type', idType));
  put('id_no', optional(input.id_no, 'id_no', idNo));
  return signFields(fields, key);
}

/**
 * A complete UTF-8 HTML page whose form POSTs every field (hidden, HTML-escaped) to `actionUrl` and submits
 * itself; without JavaScript the payer gets a button.
 */
export function renderWebPaymentHtml(fields: Readonly<Record<string, string>>, actionUrl: string): string {
  const inputs = Object.entries(fields)
    .map(([name, value]) => `    <input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n');
  return [
    '<!DOCTYPE html>',
    '<html>',
    '<head>',
    '  <meta charset="utf-8">',
    '  <meta name="viewport" content="width=device-width, initial-scale=1">',
    '  <title>LianLian Pay</title>',
    '</head>',
    '<body>',
    `  <form id="lianlian-pay" method="post" action="${escapeHtml(actionUrl)}" accept-charset="utf-8">`,
    inputs,
    '    <noscript><button type="submit">Continue to LianLian Pay</button></noscript>',
    '  </form>',
    "  <script>document.getElementById('lianlian-pay').submit();</script>",
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function notificationOf(result: VerifyResult): Notification {
  const field = (name: string): string | null => result.fields[name] ?? null;
  return {
    valid: result.valid,
    reason: result.reason,
    signString: result.signString,
    oid_partner: field('oid_partner'),
    no_order: field('no_order'),
    dt_order: field('dt_order'),
    oid_paybill: field('oid_paybill'),
    money_order: field('money_order'),
    result_pay: field('result_pay'),
    settle_date: field('settle_date'),
    info_order: field('info_order'),
    pay_type: field('pay_type'),
    bank_code: field('bank_code'),
    no_agree: field('no_agree'),
    ret_code: field('ret_code'),
    ret_msg: field('ret_msg'),
    fields: result.fields,
  };
}

/**
 * Checks the synchronous `url_return` notification (a form POST from the payer's browser; a hint, never proof).
 * A field that is not a string (e.g. a repeated form key) makes it invalid (`non_string`).
 */
export function readReturnNotification(form: Readonly<Record<string, unknown>>, key: PublicKey): Notification {
  return notificationOf(verifyFields(form, key));
}

/**
 * Checks the asynchronous `notify_url` notification: its raw JSON body, verified over the values as sent.
 * @throws LlreconError `LLRECON_INVALID_JSON` / `LLRECON_NOT_AN_OBJECT` when the body is not a JSON object.
 */
export function readAsyncNotification(raw: string, key: PublicKey): Notification {
  return notificationOf(verifyBody(raw, key));
}
