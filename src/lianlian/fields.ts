// LianLian's field rules (seeds 000–003), one validator per field: each takes an unknown value, returns it
// normalised, or throws `fieldError(field, …)` naming the field it was given. Wrong JSON types are field errors.
import { LlreconError, fieldError } from '../errors.js';
import { parseMoney } from './money.js';
import { parseLianLianTime } from './time.js';

/** The default `valid_order`, in minutes (7 days). */
export const DEFAULT_VALID_ORDER = 10080;

/** The longest `valid_order` accepted, in minutes (one year: beyond any pre-authorization hold). */
export const MAX_VALID_ORDER = 525_600;

/** An order the producer starts tracking (interface.md `POST /orders`). */
export interface OrderToTrack {
  no_order: string;
  dt_order: string;
  oid_paybill: string | null;
  pay_type: 'F' | 'G';
  money_order: string | null;
  /** Minutes. */
  valid_order: number;
  platform: string | null;
  /** The payer's id in the merchant's system: needed to capture or void (absent: null). */
  user_id?: string | null;
  /** What llrecon does, once, shortly before the hold's deadline while the order is authorized (absent: none). */
  on_hold_expiry?: HoldExpiryAction;
}

/** An order's `on_hold_expiry`: nothing, or the action llrecon sends `HOLD_ACTION_LEAD` before the hold's deadline. */
export type HoldExpiryAction = 'none' | 'void' | 'capture';

/** `on_hold_expiry`: `none`, `void` or `capture`. */
export function holdExpiryAction(value: unknown, field = 'on_hold_expiry'): HoldExpiryAction {
  return matching(value, field, /^(none|void|capture)$/, 'must be "none", "void" or "capture"') as HoldExpiryAction;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** The value as a string, or a field error naming what it was instead. */
export function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string') throw fieldError(field, `must be a string, got ${kindOf(value)}`);
  return value;
}

function matching(value: unknown, field: string, rule: RegExp, explanation: string): string {
  const text = requireString(value, field);
  if (!rule.test(text)) throw fieldError(field, explanation);
  return text;
}

function bounded(value: unknown, field: string, max: number): string {
  const text = requireString(value, field);
  if (text.length === 0) throw fieldError(field, 'must not be empty');
  if (text.length > max) throw fieldError(field, `must be at most ${max} characters, got ${text.length}`);
  return text;
}

/** `oid_partner`: the merchant id, 18 digits. */
export function oidPartner(value: unknown, field = 'oid_partner'): string {
  return matching(value, field, /^\d{18}$/, 'must be 18 digits');
}

/** `no_order`: the merchant's order number, 1–32 printable ASCII characters without spaces. */
export function noOrder(value: unknown, field = 'no_order'): string {
  return matching(value, field, /^[\x21-\x7e]{1,32}$/, 'must be 1 to 32 printable ASCII characters without spaces');
}

/** `oid_paybill`: LianLian's transaction number, 1–18 digits. */
export function oidPaybill(value: unknown, field = 'oid_paybill'): string {
  return matching(value, field, /^\d{1,18}$/, 'must be 1 to 18 digits');
}

/** `dt_order`: `yyyyMMddHHmmss`, a real UTC+8 time. */
export function dtOrder(value: unknown, field = 'dt_order'): string {
  const text = requireString(value, field);
  parseLianLianTime(text, field);
  return text;
}

/** `pay_type` of a pre-authorization: `F` (documented everywhere) or `G` (debit, in one seed). */
export function payTypePreauth(value: unknown, field = 'pay_type'): 'F' | 'G' {
  return matching(value, field, /^[FG]$/, 'must be "F" or "G"') as 'F' | 'G';
}

/** `pay_type` of a WEB payment: `M` (regular) or `F` (pre-authorization, credit cards only). */
export function payTypeWeb(value: unknown, field = 'pay_type'): 'M' | 'F' {
  return matching(value, field, /^[MF]$/, 'must be "M" or "F"') as 'M' | 'F';
}

/** `valid_order`: whole minutes from 1 to {@link MAX_VALID_ORDER}; a number, or a string of digits. */
export function validOrder(value: unknown, field = 'valid_order'): number {
  const minutes = typeof value === 'string' && /^\d{1,7}$/.test(value) ? Number(value) : value;
  if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 1 || minutes > MAX_VALID_ORDER) {
    throw fieldError(field, `must be a whole number of minutes from 1 to ${MAX_VALID_ORDER}`);
  }
  return minutes;
}

/** `userreq_ip`: the payer's IPv4 address with `_` for `.`, e.g. `122_11_37_211`. */
export function userreqIp(value: unknown, field = 'userreq_ip'): string {
  const text = requireString(value, field);
  const parts = text.split('_');
  const ok = parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
  if (!ok) throw fieldError(field, 'must be an IPv4 address with "_" instead of ".", e.g. 122_11_37_211');
  return text;
}

/** `busi_partner`: `101001` (virtual goods) or `109001` (physical goods). */
export function busiPartner(value: unknown, field = 'busi_partner'): string {
  return matching(value, field, /^(101001|109001)$/, 'must be "101001" (virtual goods) or "109001" (physical goods)');
}

/** `id_type`: 0 ID card, 2 passport, 3 officer card, 4 HK-Macau pass, 6 Taiwan permit, 9 police card, X other. */
export function idType(value: unknown, field = 'id_type'): string {
  return matching(value, field, /^[023469X]$/, 'must be one of 0, 2, 3, 4, 6, 9, X');
}

/** `id_no`: 15 or 18 characters (digits, the last of 18 may be X). */
export function idNo(value: unknown, field = 'id_no'): string {
  return matching(value, field, /^(\d{15}|\d{17}[\dXx])$/, 'must be 15 or 18 characters (digits; the 18th may be X)');
}

/** `verify_code`: the SMS code, 6 digits. */
export function verifyCode(value: unknown, field = 'verify_code'): string {
  return matching(value, field, /^\d{6}$/, 'must be 6 digits');
}

/** `platform`: up to 32 characters. */
export function platform(value: unknown, field = 'platform'): string {
  return bounded(value, field, 32);
}

/** `user_id`: the payer's id in the merchant's system, up to 32 characters. */
export function userId(value: unknown, field = 'user_id'): string {
  return bounded(value, field, 32);
}

/** `token` of the Verify API (from the apply step): non-empty, up to 64 characters. */
export function token(value: unknown, field = 'token'): string {
  return bounded(value, field, 64);
}

/** An http(s) URL of at most `max` characters (128 for `notify_url`, `url_return`, `back_url`; 255 for `url_order`). */
export function url(value: unknown, field: string, max = 128): string {
  const text = bounded(value, field, max);
  let parsed: URL | null;
  try {
    parsed = new URL(text);
  } catch {
    parsed = null;
  }
  if (parsed === null || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || /\s/.test(text)) {
    throw fieldError(field, 'must be an http or https URL');
  }
  return text;
}

/** `name_goods`: up to 40 characters. */
export function nameGoods(value: unknown, field = 'name_goods'): string {
  return bounded(value, field, 40);
}

/** `info_order`: up to 255 characters. */
export function infoOrder(value: unknown, field = 'info_order'): string {
  return bounded(value, field, 255);
}

/** `no_agree`: a signed agreement number, up to 32 characters. */
export function noAgree(value: unknown, field = 'no_agree'): string {
  return bounded(value, field, 32);
}

/** `acct_name`: the payer's name, up to 64 characters. */
export function acctName(value: unknown, field = 'acct_name'): string {
  return bounded(value, field, 64);
}

/** `card_no`: a bank card number, 12 to 19 digits. */
export function cardNo(value: unknown, field = 'card_no'): string {
  return matching(value, field, /^\d{12,19}$/, 'must be 12 to 19 digits');
}

/** Absent (`undefined`, `null` or `''`) optional values read as `null`; anything else goes through `rule`. */
export function optional<T>(value: unknown, field: string, rule: (value: unknown, field: string) => T): T | null {
  return value === undefined || value === null || value === '' ? null : rule(value, field);
}

/** A required value: absent is `LLRECON_MISSING_FIELD`, anything else goes through `rule`. */
export function required<T>(value: unknown, field: string, rule: (value: unknown, field: string) => T): T {
  if (value === undefined || value === null) throw new LlreconError('LLRECON_MISSING_FIELD', `${field}: is required`, { field });
  return rule(value, field);
}

const ORDER_KEYS = [
  'no_order',
  'dt_order',
  'oid_paybill',
  'pay_type',
  'money_order',
  'valid_order',
  'platform',
  'user_id',
  'on_hold_expiry',
] as const;

/**
 * Reads one order to track (interface.md `POST /orders`). Unknown keys are refused. Errors name the field with
 * `path` in front: `orders[1].dt_order` for path `orders[1]`, `dt_order` for path `''`.
 * @throws LlreconError `LLRECON_INVALID_FIELD` or `LLRECON_MISSING_FIELD`.
 */
export function parseOrderToTrack(input: unknown, path = ''): OrderToTrack {
  const at = (name: string): string => (path === '' ? name : `${path}.${name}`);
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw fieldError(path === '' ? 'order' : path, `must be a JSON object, got ${kindOf(input)}`);
  }
  const item = input as Record<string, unknown>;
  for (const key of Object.keys(item)) {
    if (!(ORDER_KEYS as readonly string[]).includes(key)) {
      throw fieldError(at(key), `is not a field of an order (known: ${ORDER_KEYS.join(', ')})`);
    }
  }
  const user = optional(item.user_id, at('user_id'), userId);
  const onHoldExpiry = optional(item.on_hold_expiry, at('on_hold_expiry'), holdExpiryAction) ?? 'none';
  // a hold policy is carried out by capture or void, which LianLian takes only with the payer's id
  if (onHoldExpiry !== 'none' && user === null) throw fieldError(at('user_id'), `is required with on_hold_expiry ${onHoldExpiry}`);
  return {
    no_order: required(item.no_order, at('no_order'), noOrder),
    dt_order: required(item.dt_order, at('dt_order'), dtOrder),
    oid_paybill: optional(item.oid_paybill, at('oid_paybill'), oidPaybill),
    pay_type: optional(item.pay_type, at('pay_type'), payTypePreauth) ?? 'F',
    money_order: optional(item.money_order, at('money_order'), parseMoney),
    valid_order: optional(item.valid_order, at('valid_order'), validOrder) ?? DEFAULT_VALID_ORDER,
    platform: optional(item.platform, at('platform'), platform),
    ...(user === null ? {} : { user_id: user }),
    ...(onHoldExpiry === 'none' ? {} : { on_hold_expiry: onHoldExpiry }),
  };
}
