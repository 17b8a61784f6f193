// The pure verdicts of settlement reconciliation (issue 14, interface.md `/settlements`): one per settlement row
// given what llrecon knows of its order, the `missing` rule for captured orders no file settled, and whether a day's
// summary file agrees with its daily file. Amounts are compared as exact decimals / integer cents, never floats.
import { DateTime } from 'luxon';
import {
  STATUS_REFUNDED,
  STATUS_SUCCESS,
  DETAIL_FIELDS,
  type DetailField,
  type DetailRow,
  type SummaryRow,
} from '../lianlian/settlement/fields.js';
import { moneyEquals } from '../lianlian/money.js';
import { LIANLIAN_ZONE } from '../lianlian/time.js';
import type { OrderState } from './states.js';

export const SETTLEMENT_RESULTS = ['matched', 'amount_mismatch', 'not_captured', 'missing', 'untracked', 'refund', 'other'] as const;
export type SettlementResult = (typeof SETTLEMENT_RESULTS)[number];

/** SETTLEMENT_PREAUTH_PAY_TYPES' default: the `pay_type`s of a pre-authorization. */
export const DEFAULT_PREAUTH_PAY_TYPES: readonly string[] = ['F', 'G'];

/** What llrecon knows of the order a row names (null when it never tracked it). */
export interface KnownOrder {
  state: OrderState;
  /** The amount llrecon sent when it captured the order, if it did. */
  captured_amount: string | null;
  /** The order's amount, as tracked or as LianLian answered it. */
  money_order: string | null;
  /** LianLian's transaction number for the order, when llrecon has one. */
  oid_paybill: string | null;
}

/** One verdict, as `GET /settlements/:settle_date` lists it under `items` and `settlement.mismatch` carries it. */
export interface SettlementItem {
  no_order: string;
  oid_partner: string;
  result: SettlementResult;
  llrecon: { state: OrderState; money_order: string | null } | null;
  lianlian: { oid_paybill: string; money_order: string; transaction_status: string; line: number } | null;
}

/** The order a row is about: a refund row names its original order in `oid_paybill`. */
export function rowOrderKey(row: DetailRow): { oid_partner: string; no_order: string } {
  const refundOf = row.transaction_status === STATUS_REFUNDED && row.oid_paybill !== '' ? row.oid_paybill : null;
  return { oid_partner: row.oid_partner, no_order: refundOf ?? row.no_order };
}

/** The amount a settled row is compared with: what llrecon captured, else the order's amount. */
export function expectedAmount(order: KnownOrder): string | null {
  return order.captured_amount ?? order.money_order;
}

/**
 * The verdict on one row. `known` is what llrecon has under {@link rowOrderKey}(row). A successful row whose
 * `oid_paybill` differs from the order's known one is another payment than the one llrecon tracked, so it is judged as
 * untracked. An order without any known amount cannot be shown settled at the right amount: `amount_mismatch`, for a
 * person to judge, rather than a guess.
 */
export function judgeRow(row: DetailRow, known: KnownOrder | null, preauthPayTypes: ReadonlySet<string>): SettlementItem {
  const key = rowOrderKey(row);
  const refund = row.transaction_status === STATUS_REFUNDED;
  const samePayment =
    known !== null && (refund || known.oid_paybill === null || row.oid_paybill === '' || row.oid_paybill === known.oid_paybill);
  const order = samePayment ? known : null;
  const item = (result: SettlementResult): SettlementItem => ({
    no_order: key.no_order,
    oid_partner: key.oid_partner,
    result,
    llrecon: order === null ? null : { state: order.state, money_order: expectedAmount(order) },
    lianlian: { oid_paybill: row.oid_paybill, money_order: row.money_order, transaction_status: row.transaction_status, line: row.line },
  });
  if (order === null) return item(preauthPayTypes.has(row.pay_type) ? 'untracked' : 'other');
  if (refund) return item('refund');
  if (row.transaction_status !== STATUS_SUCCESS) return item('other');
  if (order.state !== 'captured') return item('not_captured');
  const expected = expectedAmount(order);
  return item(expected !== null && moneyEquals(row.money_order, expected) ? 'matched' : 'amount_mismatch');
}

/** Whether a verdict is listed among a day's discrepancies (and sent as `settlement.mismatch`). */
export function isDiscrepancy(result: SettlementResult): boolean {
  return result !== 'matched' && result !== 'other';
}

/** A captured order no imported file settled, listed under the latest daily file's settle date. */
export function missingItem(order: { no_order: string; oid_partner: string } & KnownOrder): SettlementItem {
  return {
    no_order: order.no_order,
    oid_partner: order.oid_partner,
    result: 'missing',
    llrecon: { state: order.state, money_order: expectedAmount(order) },
    lianlian: null,
  };
}

/**
 * The instant before which a capture is due in the files: an order captured on a day (UTC+8) at least `graceMs` before
 * `latestSettleDate` (the latest daily file's, `yyyyMMdd`), i.e. whose day starts no later than settle date − grace.
 */
export function missingCutoffMs(latestSettleDate: string, graceMs: number): number {
  const settleDay = DateTime.fromFormat(latestSettleDate, 'yyyyMMdd', { zone: LIANLIAN_ZONE });
  if (!settleDay.isValid) throw new RangeError(`not a settle date yyyyMMdd: ${latestSettleDate}`);
  const lastDueDay = DateTime.fromMillis(settleDay.toMillis() - graceMs, { zone: LIANLIAN_ZONE }).startOf('day');
  return lastDueDay.plus({ days: 1 }).toMillis();
}

/** The `missing` rule: captured at `capturedAtMs`, in no imported file, and due by the latest daily file. */
export function isMissing(capturedAtMs: number, inAnyFile: boolean, latestSettleDate: string, graceMs: number): boolean {
  return !inAnyFile && capturedAtMs < missingCutoffMs(latestSettleDate, graceMs);
}

/** The fields where two rows for the same order disagree (a daily and a monthly file), the line aside. */
export function rowDisagreement(a: DetailRow, b: DetailRow): DetailField[] {
  return DETAIL_FIELDS.filter((field) => a[field] !== b[field]);
}

/** What a daily file's rows add up to, in integer cents; built row by row while the file streams. */
export interface SettlementTotals {
  total: number;
  successful: number;
  successfulCents: bigint;
  refunded: number;
  refundedCents: bigint;
  /** Rows of any other status (the summary's "canceled": rows of statuses the protocol does not name). */
  canceled: number;
  canceledCents: bigint;
}

export function emptyTotals(): SettlementTotals {
  return { total: 0, successful: 0, successfulCents: 0n, refunded: 0, refundedCents: 0n, canceled: 0, canceledCents: 0n };
}

export function addToTotals(totals: SettlementTotals, status: string, money: string): void {
  const cents = signedCents(money);
  totals.total += 1;
  if (status === STATUS_SUCCESS) {
    totals.successful += 1;
    totals.successfulCents += cents;
  } else if (status === STATUS_REFUNDED) {
    totals.refunded += 1;
    totals.refundedCents += cents;
  } else {
    totals.canceled += 1;
    totals.canceledCents += cents;
  }
}

export interface SummaryDifference {
  field: keyof Omit<SummaryRow, 'line'>;
  summary: string;
  file: string;
}

/** `summary_ok`: the summary file's counts and amounts equal the daily file's; the differences name the field. */
export function compareSummary(summary: SummaryRow, totals: SettlementTotals): { ok: boolean; differences: SummaryDifference[] } {
  const pairs: [SummaryDifference['field'], string, string][] = [
    ['total_transaction_count', String(summary.total_transaction_count), String(totals.total)],
    ['successful_transaction_count', String(summary.successful_transaction_count), String(totals.successful)],
    [
      'successful_transaction_amount_summary',
      centsText(signedCents(summary.successful_transaction_amount_summary)),
      centsText(totals.successfulCents),
    ],
    ['refunded_transaction_count', String(summary.refunded_transaction_count), String(totals.refunded)],
    [
      'refunded_transaction_amount_summary',
      centsText(signedCents(summary.refunded_transaction_amount_summary)),
      centsText(totals.refundedCents),
    ],
    ['canceled_transaction_count', String(summary.canceled_transaction_count), String(totals.canceled)],
    [
      'canceled_transaction_amount_summary',
      centsText(signedCents(summary.canceled_transaction_amount_summary)),
      centsText(totals.canceledCents),
    ],
  ];
  const differences = pairs.filter(([, a, b]) => a !== b).map(([field, summaryValue, file]) => ({ field, summary: summaryValue, file }));
  return { ok: differences.length === 0, differences };
}

/**
 * A settlement amount (`-12.50`, `3`, `0.5`: signed, at most two decimals, as the reader accepts them) as integer
 * cents. @throws RangeError for anything else (the reader never lets one through).
 */
export function signedCents(text: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (m === null) throw new RangeError(`not a settlement amount: ${JSON.stringify(text)}`);
  const cents = BigInt(m[2] as string) * 100n + BigInt((m[3] ?? '').padEnd(2, '0'));
  return m[1] === '-' ? -cents : cents;
}

/** Integer cents as an amount with two decimals (`-1250n` → `-12.50`). */
export function centsText(cents: bigint): string {
  const sign = cents < 0n ? '-' : '';
  const abs = cents < 0n ? -cents : cents;
  return `${sign}${(abs / 100n).toString()}.${(abs % 100n).toString().padStart(2, '0')}`;
}
