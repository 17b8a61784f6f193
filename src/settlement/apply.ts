// Judging settlement rows against llrecon's orders and writing the verdicts, a batch at a time: one script call reads
// each row's order and what is stored of the row already, the pure verdicts decide (src/reconcile/settlement-match),
// and one SETTLE_ROWS script call writes what is new or changed, each with its event. A row stored already
// with the same file, generation, columns and verdict costs no write (a re-import resumed after a crash); a row
// counted by another file (the same row in a daily and a monthly file) is not counted again, and when the two
// disagree the disagreement is recorded under the row's day.
import { isFinalState, isOrderState } from '../reconcile/states.js';
import { STATUS_SUCCESS, type DetailRow } from '../lianlian/settlement/fields.js';
import { isDiscrepancy, judgeRow, rowOrderKey, type KnownOrder, type SettlementResult } from '../reconcile/settlement-match.js';
import { ACTION_FIELD } from '../store/action-keys.js';
import { HASH_FIELD } from '../store/order-record.js';
import { DROP_ROW, SETTLE_READ, SETTLE_ROWS } from '../store/scripts/settlement.js';
import { callScript } from '../store/scripts/script.js';
import type { SettlementDeps } from './deps.js';
import { mismatchEvent } from './events.js';
import { orderKey, rowKey } from './keys.js';
import { decodeRow, encodeRow, rowDigest, verdictDigest, type StoredRow } from './row-value.js';

/** The hash field of the amount llrecon sent in its own capture (written by the capture action). */
export const CAPTURED_FIELD = ACTION_FIELD.moneyCaptured;
const ORDER_FIELDS = [HASH_FIELD.state, HASH_FIELD.money_order, HASH_FIELD.oid_paybill, CAPTURED_FIELD, HASH_FIELD.oid_partner];

/** How many times a row whose stored value moved under us (another import at once) is read and judged again. */
const MAX_TRIES = 5;

/** What one file's rows came to: its own verdict counts, and the orders that want a confirming query. */
export interface Tally {
  counts: Record<SettlementResult, number>;
  /** Rows written (new or changed verdicts). */
  written: number;
  confirm: Set<string>;
}

export function emptyTally(): Tally {
  return {
    counts: { matched: 0, amount_mismatch: 0, not_captured: 0, missing: 0, untracked: 0, refund: 0, other: 0 },
    written: 0,
    confirm: new Set(),
  };
}

/** The file (and import generation) a batch of rows belongs to. */
export interface RowSource {
  name: string;
  gen: number;
}

/** The order as judgeRow reads it, from HMGET of ORDER_FIELDS; null when not tracked (or another merchant's). */
export function knownOrderOf(values: readonly (string | null)[], oidPartner: string): KnownOrder | null {
  const [state, money, paybill, captured, op] = values;
  if (state === null || state === undefined || !isOrderState(state)) return null;
  if (op !== null && op !== undefined && op !== oidPartner) return null;
  return { state, money_order: money ?? null, oid_paybill: paybill ?? null, captured_amount: captured ?? null };
}

export async function readKnownOrders(deps: SettlementDeps, nos: readonly string[]): Promise<(KnownOrder | null)[]> {
  const pipe = deps.redis.pipeline();
  for (const no of nos) pipe.hmget(deps.ks.order(no), ...ORDER_FIELDS);
  const res = (await pipe.exec()) ?? [];
  return res.map(([err, v]) => {
    if (err) throw err;
    return knownOrderOf(v as (string | null)[], deps.oidPartner);
  });
}

/**
 * Judges `rows` (of one file, or stored rows judged again) and writes what changed. `tally` receives each row's
 * verdict (also for rows that needed no write) and the orders to confirm.
 */
export async function settleRows(
  deps: SettlementDeps,
  source: RowSource,
  rows: readonly DetailRow[],
  tally: Tally,
  options: SettleOptions = {},
): Promise<void> {
  let todo = rows;
  for (let attempt = 1; todo.length > 0; attempt += 1) {
    todo = await settleOnce(deps, source, todo, tally, attempt === MAX_TRIES, options);
  }
}

export interface SettleOptions {
  /** The rows are stored rows judged again (rowFromStored): keep their stored column digest. */
  sameRow?: boolean;
}

/** One pass; returns the rows whose stored value moved meanwhile (to be done again). */
async function settleOnce(
  deps: SettlementDeps,
  source: RowSource,
  rows: readonly DetailRow[],
  tally: Tally,
  last: boolean,
  options: SettleOptions,
): Promise<DetailRow[]> {
  const { redis, ks, keys } = deps;
  // each row's order and what is stored of the row, in one read-only script call (SETTLE_READ)
  const readArgs: string[] = [String(ORDER_FIELDS.length), ...ORDER_FIELDS];
  const ids = rows.map((row) => {
    const order = rowOrderKey(row);
    const key = rowKey(row.oid_partner, row.no_order, row.transaction_status);
    readArgs.push(ks.order(order.no_order), key);
    return { order, key };
  });
  const res = (await callScript(redis, SETTLE_READ, [keys.rows], readArgs)) as (string | null)[][];
  if (res.length !== rows.length) throw new Error(`settlement read: ${res.length} replies for ${rows.length} rows`);
  const write = redis.pipeline();
  const written: { row: DetailRow; result: SettlementResult }[] = [];
  const args: (string | number)[] = [keys.prefix, source.name];
  let commands = 0;
  const now = deps.now();
  for (const [i, row] of rows.entries()) {
    const values = res[i] as (string | null)[];
    const orderValues = values.slice(0, ORDER_FIELDS.length);
    const prevText = values[ORDER_FIELDS.length];
    const { order, key } = ids[i] as { order: { no_order: string }; key: string };
    const known = knownOrderOf(orderValues as (string | null)[], deps.oidPartner);
    const item = judgeRow(row, known, deps.preauthPayTypes);
    tally.counts[item.result] += 1;
    const prev = typeof prevText === 'string' ? decodeRow(prevText) : null;
    const digest = options.sameRow === true && prev !== null ? prev.rowDigest : rowDigest(row);
    if (prev !== null && prev.file !== source.name) {
      if (prev.rowDigest !== digest) {
        recordDisagreement(deps, write, key, prev, row, source.name);
        commands += 1;
      }
      continue;
    }
    const vd = verdictDigest(item);
    if (prev !== null && prev.gen === source.gen && prev.rowDigest === digest && prev.verdictDigest === vd) continue;
    const stored: StoredRow = {
      file: source.name,
      gen: source.gen,
      settle_date: row.settle_date,
      line: row.line,
      money_order: row.money_order,
      oid_paybill: row.oid_paybill,
      transaction_status: row.transaction_status,
      pay_type: row.pay_type,
      result: item.result,
      rowDigest: digest,
      verdictDigest: vd,
    };
    const changed = prev === null || prev.verdictDigest !== vd;
    const event = changed && isDiscrepancy(item.result) ? mismatchEvent(row.settle_date, item, vd, now) : null;
    const refundNote = item.result === 'refund' && prev === null && known !== null ? refundEntry(row, source.name, now) : '';
    const pending = item.result === 'not_captured' && known !== null && !isFinalState(known.state);
    if (item.result === 'not_captured' && (prev === null || prev.result !== 'not_captured')) tally.confirm.add(order.no_order);
    args.push(
      key,
      typeof prevText === 'string' ? prevText : '',
      // the file name is every value's head: sent once per batch (ARGV 2), not once per row
      encodeRow(stored).slice(source.name.length + 1),
      item.result,
      row.settle_date,
      isDiscrepancy(item.result) ? JSON.stringify(item) : '',
      event?.type ?? '',
      event?.json ?? '',
      prev?.result ?? '',
      prev?.settle_date ?? '',
      row.transaction_status === STATUS_SUCCESS ? orderKey(row.oid_partner, order.no_order) : '',
      refundNote === '' ? '' : ks.history(order.no_order),
      refundNote,
      pending ? now : prev?.result === 'not_captured' ? 'rm' : '',
    );
    written.push({ row, result: item.result });
  }
  const scriptAt = commands;
  if (written.length > 0) void callScript(write, SETTLE_ROWS, [keys.rows, ks.events, keys.dates, keys.missing, keys.pending], args);
  const replies = commands > 0 || written.length > 0 ? ((await write.exec()) ?? []) : [];
  for (const [err] of replies) if (err) throw err;
  const perRow = (written.length > 0 ? replies[scriptAt]?.[1] : []) as number[];
  const again: DetailRow[] = [];
  for (const [i, w] of written.entries()) {
    const reply = perRow[i];
    if (reply === -1) {
      if (last) throw new Error(`settlement row ${w.row.no_order} (line ${w.row.line}) kept moving under another import`);
      tally.counts[w.result] -= 1;
      again.push(w.row);
      continue;
    }
    tally.written += 1;
    deps.metrics?.rows.inc({ result: w.result });
  }
  return again;
}

function refundEntry(row: DetailRow, file: string, at: number): string {
  return JSON.stringify({
    at,
    kind: 'action',
    action: 'settlement_refund',
    actor: 'settlement',
    source: 'settlement',
    reason: `refund ${row.money_order} (${row.no_order}) settled ${row.settle_date}, ${file} line ${row.line}`,
  });
}

function recordDisagreement(
  deps: SettlementDeps,
  pipe: ReturnType<SettlementDeps['redis']['pipeline']>,
  key: string,
  prev: StoredRow,
  row: DetailRow,
  file: string,
): void {
  const fields = prev.transaction_status === row.transaction_status ? ['money_order', 'oid_paybill', 'pay_type'] : ['transaction_status'];
  const differing = fields.filter((f) => (prev as unknown as Record<string, string>)[f] !== row[f as keyof DetailRow]);
  const entry = {
    no_order: row.no_order,
    oid_partner: row.oid_partner,
    counted: { file: prev.file, line: prev.line, money_order: prev.money_order, oid_paybill: prev.oid_paybill },
    other: { file, line: row.line, money_order: row.money_order, oid_paybill: row.oid_paybill },
    fields: differing.length > 0 ? differing : ['(other columns)'],
  };
  pipe.hset(deps.keys.disagree(prev.settle_date), key, JSON.stringify(entry));
}

/** Uncounts rows of `file` stored by an older generation (a corrected file that no longer has them). */
export async function dropStaleRows(deps: SettlementDeps, file: string, gen: number): Promise<number> {
  const { redis, keys } = deps;
  let dropped = 0;
  let cursor = '0';
  const prefix = `${file}|`;
  do {
    const [next, flat] = await redis.hscan(keys.rows, cursor, 'COUNT', 2000);
    cursor = next;
    const pipe = redis.pipeline();
    let n = 0;
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const value = flat[i + 1] as string;
      if (!value.startsWith(prefix)) continue;
      const stored = decodeRow(value);
      if (stored === null || stored.gen === gen) continue;
      void callScript(
        pipe,
        DROP_ROW,
        [keys.rows, keys.pending],
        [flat[i] as string, value, stored.result, stored.settle_date, keys.prefix],
      );
      n += 1;
    }
    if (n > 0) {
      for (const [err, r] of (await pipe.exec()) ?? []) {
        if (err) throw err;
        if (r === 1) dropped += 1;
      }
    }
  } while (cursor !== '0');
  return dropped;
}
