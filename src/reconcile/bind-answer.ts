// Is a signed answer about THIS order? (interface.md "What llrecon believes", protocol §3.) A signature only says
// LianLian wrote it: a replayed or misrouted answer about another order, another merchant or another payment is
// signed too. An answer binds to an order when its oid_partner is the order's merchant and its no_order, dt_order
// and oid_paybill — whenever it carries them — are the order's. Pure.

/** What binding needs to know of the order. */
export interface BindingOrder {
  oid_partner: string;
  no_order: string;
  dt_order: string;
  oid_paybill: string | null;
  /** True when `oid_paybill` is LianLian's own (an answer carried it); false when only the merchant gave it. */
  paybill_from_lianlian: boolean;
}

/** The identifying fields of a signed answer, null when it does not carry them. */
export interface AnswerIds {
  oid_partner: string | null;
  no_order: string | null;
  dt_order: string | null;
  oid_paybill: string | null;
}

/** Why an answer is not believed: the `reason` label of llrecon_untrusted_answers_total and on the timeline. */
export type UntrustedReason =
  'unsigned' | 'bad_signature' | 'no_oid_partner' | 'other_merchant' | 'other_order' | 'other_dt_order' | 'other_oid_paybill';

/** Every {@link UntrustedReason}, for the metric's series. */
export const UNTRUSTED_REASONS: readonly UntrustedReason[] = [
  'unsigned',
  'bad_signature',
  'no_oid_partner',
  'other_merchant',
  'other_order',
  'other_dt_order',
  'other_oid_paybill',
];

/**
 * What a bound answer says of the order's `oid_paybill`:
 * - `none`: it carries none (or the same one LianLian gave before): nothing to write;
 * - `learned`: LianLian's, for an order that had none, or confirming the one the merchant gave: kept as LianLian's;
 * - `corrected`: LianLian's, contradicting the one the merchant gave: that one is wrong (recorded and alerted),
 *   LianLian's replaces it.
 */
export type PaybillNews =
  { kind: 'none' } | { kind: 'learned'; oid_paybill: string } | { kind: 'corrected'; oid_paybill: string; wrong: string };

export type Binding = { ok: true; paybill: PaybillNews } | { ok: false; reason: UntrustedReason };

/** Binds a signed answer to the order it was asked about, or says why it is not about it. */
export function bindAnswer(order: BindingOrder, answer: AnswerIds): Binding {
  if (answer.oid_partner === null || answer.oid_partner === '') return { ok: false, reason: 'no_oid_partner' };
  if (answer.oid_partner !== order.oid_partner) return { ok: false, reason: 'other_merchant' };
  if (answer.no_order !== null && answer.no_order !== order.no_order) return { ok: false, reason: 'other_order' };
  if (answer.dt_order !== null && answer.dt_order !== order.dt_order) return { ok: false, reason: 'other_dt_order' };
  const theirs = answer.oid_paybill;
  if (theirs === null || theirs === '') return { ok: true, paybill: { kind: 'none' } };
  if (order.oid_paybill === null) return { ok: true, paybill: { kind: 'learned', oid_paybill: theirs } };
  if (order.paybill_from_lianlian) {
    return theirs === order.oid_paybill ? { ok: true, paybill: { kind: 'none' } } : { ok: false, reason: 'other_oid_paybill' };
  }
  if (theirs === order.oid_paybill) return { ok: true, paybill: { kind: 'learned', oid_paybill: theirs } };
  return { ok: true, paybill: { kind: 'corrected', oid_paybill: theirs, wrong: order.oid_paybill } };
}
