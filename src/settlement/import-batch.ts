// Judging and writing one batch of an import's rows. Almost every row of a monthly file is a successful payment
// llrecon saw captured at the same amount: `matched`, a verdict that needs no event. Those are judged where their
// orders are, by one SETTLE_MATCHED call per batch (Node sends a few values per row and gets one code back, instead
// of reading each order's fields and sending each verdict with its event); whatever that call does not settle —
// refunds, other statuses, another verdict, an amount equal only as a number, a row stored by another file or
// differently — goes through the full judging of apply.ts, row by row as before. Both write the same stored value
// (row-value.ts), so either path recognises the other's rows.
//
// A row that may be `matched` is taken as the reader scans its line (scannedCandidate): its SETTLE_MATCHED line is
// made from the line's text at once, and no row object is built for it — only for the few that call sends back.
import type { FieldBounds } from '../lianlian/settlement/fast-line.js';
import { DETAIL_FIELDS, STATUS_SUCCESS, type DetailRow } from '../lianlian/settlement/fields.js';
import { HASH_FIELD } from '../store/order-record.js';
import { SETTLE_MATCHED } from '../store/scripts/settlement.js';
import { callScript } from '../store/scripts/script.js';
import { CAPTURED_FIELD, settleRows, type RowSource, type Tally } from './apply.js';
import type { SettlementDeps } from './deps.js';
import { matchedDigest, rowDigest, rowDigestOfLine } from './row-value.js';

/** The order fields SETTLE_MATCHED reads, in the order its ARGV 6–10 name them. */
const MATCH_FIELDS = [HASH_FIELD.state, HASH_FIELD.money_order, HASH_FIELD.oid_paybill, CAPTURED_FIELD, HASH_FIELD.oid_partner];

/** Whether a row may be `matched` at all: successful, of this merchant, a non-negative amount (moneyEquals). */
function mayMatch(status: string, oid: string, money: string, oidPartner: string): boolean {
  return status === STATUS_SUCCESS && oid === oidPartner && money.charCodeAt(0) !== 0x2d;
}

/** A line taken as it was scanned: its text and line number (for the row, if it must be judged in full) and its SETTLE_MATCHED line. */
export interface ScannedCandidate {
  text: string;
  line: number;
  /** The no_order, then the stored value (encodeRow) after its `<file>|<gen>|` head, with the verdict when it matches. */
  match: string;
  /** The row's money_order (a daily file's totals). */
  money: string;
}

const F = Object.fromEntries(DETAIL_FIELDS.map((f, i) => [f, i])) as Record<(typeof DETAIL_FIELDS)[number], number>;

/** The SETTLE_MATCHED line of a row: the same text whether made from a row object or from a scanned line. */
function matchLine(no: string, settleDate: string, line: number, money: string, paybill: string, payType: string, digest: string): string {
  return `${no}|${settleDate}|${line}|${money}|${paybill}|${STATUS_SUCCESS}|${payType}|matched|${digest}|${matchedDigest(money, paybill)}`;
}

/**
 * The scanned line as a candidate for `matched` (mayMatch), made from its text and its fields' bounds; null when it
 * is not one (its row is made and judged as any other).
 */
export function scannedCandidate(text: string, b: FieldBounds, line: number, oidPartner: string): ScannedCandidate | null {
  const field = (f: number): string => text.slice(b[f * 2], b[f * 2 + 1]);
  const money = field(F.money_order);
  if (!mayMatch(field(F.transaction_status), field(F.oid_partner), money, oidPartner)) return null;
  const digest = rowDigestOfLine(text, b);
  return {
    text,
    line,
    money,
    match: matchLine(field(F.no_order), field(F.settle_date), line, money, field(F.oid_paybill), field(F.pay_type), digest),
  };
}

/**
 * Judges and writes `rows` and the `scanned` candidates of the file `source`; `tally` receives every row's verdict,
 * as settleRows does. `rowOf` makes the row of a candidate SETTLE_MATCHED did not settle.
 */
export async function settleImportBatch(
  deps: SettlementDeps,
  source: RowSource,
  rows: readonly DetailRow[],
  tally: Tally,
  scanned: readonly ScannedCandidate[],
  rowOf: (c: ScannedCandidate) => DetailRow,
): Promise<void> {
  const { keys } = deps;
  const lines: string[] = [];
  const sent: (DetailRow | ScannedCandidate)[] = [];
  const rest: DetailRow[] = [];
  for (const c of scanned) {
    lines.push(c.match);
    sent.push(c);
  }
  for (const row of rows) {
    if (!mayMatch(row.transaction_status, row.oid_partner, row.money_order, deps.oidPartner)) {
      rest.push(row);
      continue;
    }
    lines.push(matchLine(row.no_order, row.settle_date, row.line, row.money_order, row.oid_paybill, row.pay_type, rowDigest(row)));
    sent.push(row);
  }
  if (sent.length > 0) {
    // joined once (one flat string): ioredis sends one argument instead of measuring and copying one per row
    lines.push('');
    const args = [keys.prefix, source.name, String(source.gen), deps.ks.order(''), deps.oidPartner, ...MATCH_FIELDS, lines.join('\n')];
    const codes = (await callScript(deps.redis, SETTLE_MATCHED, [keys.rows, keys.dates, keys.missing], args)) as number[];
    if (codes.length !== sent.length) throw new Error(`settlement match: ${codes.length} replies for ${sent.length} rows`);
    let written = 0;
    for (const [i, code] of codes.entries()) {
      if (code === -1) {
        const s = sent[i] as DetailRow | ScannedCandidate;
        rest.push('match' in s ? rowOf(s) : s);
      } else {
        tally.counts.matched += 1;
        if (code === 1) written += 1;
      }
    }
    if (written > 0) {
      tally.written += written;
      deps.metrics?.rows.inc({ result: 'matched' }, written);
    }
  }
  if (rest.length > 0) await settleRows(deps, source, rest, tally);
}
