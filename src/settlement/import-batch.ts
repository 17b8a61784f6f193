// Judging and writing one batch of an import's rows. Almost every row of a monthly file is a successful payment
// llrecon saw captured at the same amount: `matched`, a verdict that needs no event. Those are judged where their
// orders are, by one SETTLE_MATCHED call per batch (Node sends a few values per row and gets one code back, instead
// of reading each order's fields and sending each verdict with its event); whatever that call does not settle —
// refunds, other statuses, another verdict, an amount equal only as a number, a row stored by another file or
// differently — goes through the full judging of apply.ts, row by row as before. Both write the same stored value
// (row-value.ts), so either path recognises the other's rows.
import { STATUS_SUCCESS, type DetailRow } from '../lianlian/settlement/fields.js';
import { HASH_FIELD } from '../store/order-record.js';
import { SETTLE_MATCHED } from '../store/scripts/settlement.js';
import { callScript } from '../store/scripts/script.js';
import { CAPTURED_FIELD, settleRows, type RowSource, type Tally } from './apply.js';
import type { SettlementDeps } from './deps.js';
import { matchedDigest, rowDigest } from './row-value.js';

/** The order fields SETTLE_MATCHED reads, in the order its ARGV 6–10 name them. */
const MATCH_FIELDS = [HASH_FIELD.state, HASH_FIELD.money_order, HASH_FIELD.oid_paybill, CAPTURED_FIELD, HASH_FIELD.oid_partner];

/** Whether a row may be `matched` at all: successful, of this merchant, a non-negative amount (moneyEquals). */
function mayMatch(row: DetailRow, oidPartner: string): boolean {
  return row.transaction_status === STATUS_SUCCESS && row.oid_partner === oidPartner && row.money_order.charCodeAt(0) !== 0x2d;
}

/** Judges and writes `rows` of the file `source`; `tally` receives every row's verdict, as settleRows does. */
export async function settleImportBatch(deps: SettlementDeps, source: RowSource, rows: readonly DetailRow[], tally: Tally): Promise<void> {
  const { keys } = deps;
  const lines: string[] = [];
  const sent: DetailRow[] = [];
  const rest: DetailRow[] = [];
  for (const row of rows) {
    if (!mayMatch(row, deps.oidPartner)) {
      rest.push(row);
      continue;
    }
    const money = row.money_order;
    const paybill = row.oid_paybill;
    // the no_order, then the stored value (encodeRow) after its `<file>|<gen>|` head, with the verdict judgeRow gives
    // when the row matches
    lines.push(
      `${row.no_order}|${row.settle_date}|${row.line}|${money}|${paybill}|${STATUS_SUCCESS}|${row.pay_type}|matched|${rowDigest(row)}|${matchedDigest(money, paybill)}`,
    );
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
      if (code === -1) rest.push(sent[i] as DetailRow);
      else {
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
