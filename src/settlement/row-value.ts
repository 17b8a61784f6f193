// What the `rows` hash keeps of each settlement row (keys.ts): enough to count it once, to judge it again when its
// order's state moves (a `not_captured` row after its confirming query), and to tell a re-import, a corrected file
// and the same row in another file apart. One `|`-joined string: no field of a row can hold a `|` (the files' own
// separator), and a million rows must stay small in Redis.
import { hash } from 'node:crypto';
import type { FieldBounds } from '../lianlian/settlement/fast-line.js';
import { DETAIL_FIELDS, STATUS_SUCCESS, type DetailRow } from '../lianlian/settlement/fields.js';
import { SETTLEMENT_RESULTS, type SettlementItem, type SettlementResult } from '../reconcile/settlement-match.js';

export interface StoredRow {
  /** The file that counted the row, and its import generation (a corrected file is a new generation). */
  file: string;
  gen: number;
  settle_date: string;
  line: number;
  money_order: string;
  oid_paybill: string;
  transaction_status: string;
  pay_type: string;
  result: SettlementResult;
  /** Digest of every column but the line: the same row in another file, or changed in a corrected file. */
  rowDigest: string;
  /** Digest of the verdict (result and both sides, the line aside): a changed verdict is a new event. */
  verdictDigest: string;
}

export function encodeRow(r: StoredRow): string {
  return [
    r.file,
    r.gen,
    r.settle_date,
    r.line,
    r.money_order,
    r.oid_paybill,
    r.transaction_status,
    r.pay_type,
    r.result,
    r.rowDigest,
    r.verdictDigest,
  ].join('|');
}

export function decodeRow(text: string): StoredRow | null {
  const p = text.split('|');
  if (p.length !== 11) return null;
  const result = p[8] as SettlementResult;
  if (!SETTLEMENT_RESULTS.includes(result)) return null;
  return {
    file: p[0] as string,
    gen: Number(p[1]),
    settle_date: p[2] as string,
    line: Number(p[3]),
    money_order: p[4] as string,
    oid_paybill: p[5] as string,
    transaction_status: p[6] as string,
    pay_type: p[7] as string,
    result,
    rowDigest: p[9] as string,
    verdictDigest: p[10] as string,
  };
}

// crypto.hash (one call, the same digest as createHash): a million rows cost two digests each
const short = (text: string): string => hash('sha1', text, 'base64url').slice(0, 12);

/** Every column of the row but its line number, digested. */
export function rowDigest(row: DetailRow): string {
  let text = '';
  for (const f of DETAIL_FIELDS) text += `${row[f]}\u0001`;
  return short(text);
}

/**
 * rowDigest of the row a scanned line would make (`bounds`: where each column begins and ends in `text`, trimmed),
 * without making it. A line with no space around its bars and no bar in its last column is the digested text with
 * its bars replaced.
 */
export function rowDigestOfLine(text: string, bounds: FieldBounds): string {
  const last = DETAIL_FIELDS.length - 1;
  let tight = bounds[0] === 0 && bounds[last * 2 + 1] === text.length && text.indexOf('|', bounds[last * 2]) === -1;
  for (let f = 1; tight && f <= last; f += 1) tight = bounds[f * 2] === (bounds[f * 2 - 1] as number) + 1;
  if (tight) return short(`${text.replaceAll('|', '\u0001')}\u0001`);
  let columns = '';
  for (let f = 0; f <= last; f += 1) columns += `${text.slice(bounds[f * 2], bounds[f * 2 + 1])}\u0001`;
  return short(columns);
}

/** The verdict without the row's line: what makes a `settlement.mismatch` event new. */
export function verdictDigest(item: SettlementItem): string {
  const l = item.llrecon;
  const s = item.lianlian;
  return short(
    `${item.result}|${l?.state ?? ''}|${l?.money_order ?? ''}|${s?.oid_paybill ?? ''}|${s?.money_order ?? ''}|${s?.transaction_status ?? ''}`,
  );
}

/**
 * verdictDigest of a successful row `matched` against a captured order whose expected amount is written as the
 * row's `money_order` (what SETTLE_MATCHED settles), without building the verdict.
 */
export function matchedDigest(money: string, paybill: string): string {
  return short(`matched|captured|${money}|${paybill}|${money}|${STATUS_SUCCESS}`);
}

/** The row again, as judgeRow reads it, from what is stored (for judging it again). */
export function rowFromStored(oidPartner: string, noOrder: string, r: StoredRow): DetailRow {
  const row = Object.fromEntries(DETAIL_FIELDS.map((f) => [f, ''])) as Record<string, string>;
  Object.assign(row, {
    no_order: noOrder,
    oid_partner: oidPartner,
    oid_paybill: r.oid_paybill,
    settle_date: r.settle_date,
    money_order: r.money_order,
    transaction_status: r.transaction_status,
    pay_type: r.pay_type,
  });
  return { ...(row as Record<(typeof DETAIL_FIELDS)[number], string>), line: r.line, dtOrderMs: 0 };
}
