// What llrecon knows of one tracked order, and how it sits in its Redis hash. Memory matters (hundreds of
// thousands of orders may wait for their next poll): field names in the hash are one or two letters, null
// fields are simply absent, and the whole hash stays a listpack while every value is ≤ 64 bytes.
import { LlreconError } from '../errors.js';
import { isOrderState, type OrderState, type Via } from '../reconcile/states.js';

/** One tracked order. Times are epoch ms. */
export interface OrderRecord {
  no_order: string;
  oid_partner: string;
  /** LianLian's `yyyyMMddHHmmss` (UTC+8), as given. */
  dt_order: string;
  /**
   * LianLian's payment number: as given when tracked, until an answer carries LianLian's own (which replaces a
   * merchant-given one that differs; see {@link paybill_from_lianlian}).
   */
  oid_paybill: string | null;
  /**
   * True once `oid_paybill` is LianLian's own (an answer carried it): answers must then carry the same one.
   * Absent (as in records written before it existed) means false.
   */
  paybill_from_lianlian?: boolean;
  pay_type: 'F' | 'G';
  /** Two decimals, as given when tracked, else the first one an answer carried. */
  money_order: string | null;
  /** Minutes the hold is valid for. */
  valid_order: number;
  platform: string | null;
  state: OrderState;
  /** The code of the answer that led to the current state (changes only with the state). */
  ret_code: string | null;
  ret_msg: string | null;
  /** The code of the latest answer that carried one, whatever it changed (kept across failures). */
  last_seen_code: string | null;
  /** Bumped by every change of state: the compare-and-set token. */
  version: number;
  /** Queries made that changed no state. */
  polls: number;
  /** Position in the poll schedule (starts over at each change of state). */
  step: number;
  next_poll_at: number | null;
  tracked_at: number;
  changed_at: number;
  /** When the order becomes `abandoned` if it has no final code by then. */
  horizon_at: number;
  /** The hold's expiry (dt_order + valid_order), when known. */
  deadline: number | null;
  /** Since when LianLian has answered 8901 (no record), or null. */
  not_found_since: number | null;
  final: boolean;
}

/**
 * An entry of an order's history (oldest first, kept as long as the order): `tracked`, a `change` of state, or
 * an operator `action`. Fields depend on the kind; absent ones are undefined. (A type, not an interface, so that
 * it converts to `Record<string, unknown>`.)
 */
export type HistoryEntry = {
  at: number;
  kind: 'tracked' | 'change' | 'action';
  /** tracked: the starting state. */
  state?: OrderState;
  /** change: the state before and after. */
  from?: OrderState;
  to?: OrderState;
  ret_code?: string | null;
  ret_msg?: string | null;
  via?: Via;
  /** tracked / action: who, and through what (api, cli, dashboard…). */
  actor?: string;
  source?: string;
  /** action: what was done and why. */
  action?: string;
  reason?: string;
};

/**
 * An entry of an order's timeline (newest first, the latest 100): a `query` and its answer, a `callback` and its
 * verdict, an operator `action`. A query entry that repeats the previous one's ret_code and outcome replaces it,
 * counting `n` answers since `since`.
 */
export type TimelineEntry =
  | { at: number; kind: 'query'; ret_code: string | null; outcome: string; reason?: string; ms?: number; n?: number; since?: number }
  | { at: number; kind: 'callback'; verdict: string; reason: string }
  | { at: number; kind: 'action'; actor: string; reason: string; action: string };

/** Record field → hash field. */
const F = {
  no_order: 'no',
  oid_partner: 'op',
  dt_order: 'dt',
  oid_paybill: 'pb',
  paybill_from_lianlian: 'pl',
  pay_type: 'pt',
  money_order: 'm',
  valid_order: 'vo',
  platform: 'pf',
  state: 's',
  ret_code: 'rc',
  ret_msg: 'rm',
  last_seen_code: 'lc',
  version: 'v',
  polls: 'p',
  step: 'st',
  next_poll_at: 'np',
  tracked_at: 'ta',
  changed_at: 'ca',
  horizon_at: 'ha',
  deadline: 'dl',
  not_found_since: 'nf',
  final: 'f',
} as const satisfies Record<keyof OrderRecord, string>;

/** The hash field names, for the Lua scripts (which receive them as arguments, never hard-coded twice). */
export const HASH_FIELD = F;

/** Hash fields beside the record: who started tracking the order, and through what (api, cli, import …). */
export const TRACKED_FIELD = { actor: 'by', source: 'src' } as const;

/** A stored value: numbers in decimal, booleans as 1/0; null → undefined (the field is left out). */
function enc(v: string | number | boolean | null | undefined): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'boolean') return v ? '1' : '0';
  return String(v);
}

/** The record as hash fields; null fields are left out. */
export function toHash(o: OrderRecord): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(F) as Array<keyof OrderRecord>) {
    const v = enc(o[k]);
    if (v !== undefined) out[F[k]] = v;
  }
  return out;
}

function corrupt(h: Record<string, string>, what: string): LlreconError {
  return new LlreconError('LLRECON_INTERNAL', `stored order ${h[F.no_order] ?? '?'} is corrupt: ${what}`);
}

/** The record stored in hash `h` (HGETALL's answer), or null when the hash is empty (no such order). */
export function fromHash(h: Record<string, string>): OrderRecord | null {
  if (Object.keys(h).length === 0) return null;
  const str = (f: string): string | null => h[f] ?? null;
  const need = (f: string): string => {
    const v = h[f];
    if (v === undefined) throw corrupt(h, `missing ${f}`);
    return v;
  };
  const num = (f: string): number | null => {
    const v = h[f];
    if (v === undefined) return null;
    const n = Number(v);
    if (!Number.isFinite(n)) throw corrupt(h, `${f} is not a number`);
    return n;
  };
  const needNum = (f: string): number => {
    need(f);
    return num(f) as number;
  };
  const state = need(F.state);
  if (!isOrderState(state)) throw corrupt(h, `unknown state ${state}`);
  const payType = need(F.pay_type);
  if (payType !== 'F' && payType !== 'G') throw corrupt(h, `pay_type ${payType}`);
  return {
    no_order: need(F.no_order),
    oid_partner: need(F.oid_partner),
    dt_order: need(F.dt_order),
    oid_paybill: str(F.oid_paybill),
    paybill_from_lianlian: h[F.paybill_from_lianlian] === '1',
    pay_type: payType,
    money_order: str(F.money_order),
    valid_order: needNum(F.valid_order),
    platform: str(F.platform),
    state,
    ret_code: str(F.ret_code),
    ret_msg: str(F.ret_msg),
    last_seen_code: str(F.last_seen_code),
    version: needNum(F.version),
    polls: num(F.polls) ?? 0,
    step: num(F.step) ?? 0,
    next_poll_at: num(F.next_poll_at),
    tracked_at: needNum(F.tracked_at),
    changed_at: needNum(F.changed_at),
    horizon_at: needNum(F.horizon_at),
    deadline: num(F.deadline),
    not_found_since: num(F.not_found_since),
    final: h[F.final] === '1',
  };
}
