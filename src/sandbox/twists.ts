// Answers about something else than the request asked (the simulator's answer faults): the fields of a genuine
// answer changed to name another merchant, dt_order or oid_paybill before LianLian's key signs them. Which other
// order a swapped answer is about, and which earlier state a stale one reports, the routes decide.
import { formatLianLianTime, parseLianLianTime } from '../lianlian/time.js';
import type { AnswerTwist } from './faults.js';
import type { OrderBook, SimOrder } from './orders.js';

/** The same text with its last digit (or character) changed: another id of the same shape. */
function otherId(id: string): string {
  const last = id.at(-1) ?? '0';
  const next = /\d/.test(last) ? String((Number(last) + 1) % 10) : last === 'A' ? 'B' : 'A';
  return `${id.slice(0, -1)}${next}`;
}

/**
 * `fields` with the identity the twist changes: another merchant (the fault's, else another the simulator knows,
 * else a made-up one), another `dt_order` (the fault's, else a second later) or another `oid_paybill`.
 * Other twists leave the fields as they are.
 */
export function twistIds(fields: Record<string, string>, twist: AnswerTwist, merchants: Iterable<string>): Record<string, string> {
  const out = { ...fields };
  if (twist.kind === 'otherMerchant' && out.oid_partner !== undefined) {
    const own = out.oid_partner;
    out.oid_partner = twist.oid_partner ?? [...merchants].find((m) => m !== own) ?? otherId(own);
  }
  if (twist.kind === 'otherDtOrder' && out.dt_order !== undefined) {
    out.dt_order = twist.dt_order ?? formatLianLianTime(parseLianLianTime(out.dt_order, 'dt_order').plus({ seconds: 1 }));
  }
  if (twist.kind === 'otherPaybill' && out.oid_paybill !== undefined) out.oid_paybill = twist.oid_paybill ?? otherId(out.oid_paybill);
  return out;
}

/**
 * The order a swapped answer is about: the fault's, else another order of the merchant; null when the simulator
 * knows no other (then the answer names a made-up `no_order`, see {@link madeUpNoOrder}).
 */
export function swappedOrder(order: SimOrder, twist: Extract<AnswerTwist, { kind: 'swapped' }>, orders: OrderBook): SimOrder | null {
  const other = twist.no_order === undefined ? orders.another(order) : orders.get(twist.no_order);
  return other === undefined || other === order ? null : other;
}

/** A `no_order` that is not this one (for a swapped answer when the simulator knows no other order). */
export function madeUpNoOrder(no_order: string): string {
  return otherId(no_order);
}
