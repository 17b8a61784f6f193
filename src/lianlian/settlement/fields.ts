// The columns of LianLian's settlement files ("transaction reports", protocol §7), in file order, and the rows read
// from them. Every value is kept as the text LianLian wrote (trimmed): amounts stay decimal strings, never floats.

/** A daily or monthly file's 19 columns, in order (`currenty_pay` is LianLian's spelling). */
export const DETAIL_FIELDS = [
  'no_order',
  'oid_partner',
  'dt_order',
  'busi_partner',
  'oid_paybill',
  'settle_date',
  'currency_order',
  'money_order',
  'currenty_pay',
  'money_pay',
  'currency_settle',
  'money_settle',
  'exchange_rate',
  'transaction_status',
  'dt_update',
  'transaction_fee',
  'pay_product',
  'pay_type',
  'info_order',
] as const;

export type DetailField = (typeof DETAIL_FIELDS)[number];

/** A summary file's 7 columns, in order. */
export const SUMMARY_FIELDS = [
  'total_transaction_count',
  'successful_transaction_count',
  'successful_transaction_amount_summary',
  'refunded_transaction_count',
  'refunded_transaction_amount_summary',
  'canceled_transaction_count',
  'canceled_transaction_amount_summary',
] as const;

export type SummaryField = (typeof SUMMARY_FIELDS)[number];

/** Header names also accepted in place of LianLian's, should it ever fix its spelling. */
export const HEADER_ALIASES: Readonly<Partial<Record<string, string>>> = { currency_pay: 'currenty_pay' };

/** `transaction_status` of a successful payment. */
export const STATUS_SUCCESS = '0';
/** `transaction_status` of a refund row (negative amount, `oid_paybill` = the original `no_order`). */
export const STATUS_REFUNDED = '5';

/** One row of a daily or monthly file. */
export type DetailRow = Record<DetailField, string> & {
  /** The row's line number in its file (1-based, the header and blank lines counted). */
  line: number;
  /** `dt_order` (`yyyyMMdd HH:MM:SS`, UTC+8) as epoch milliseconds. */
  dtOrderMs: number;
};

/**
 * One row of a summary file. Counts are numbers, amounts decimal strings (refunds and cancels negative); an empty
 * field ("none") reads as 0 / "0.00".
 */
export interface SummaryRow {
  line: number;
  total_transaction_count: number;
  successful_transaction_count: number;
  successful_transaction_amount_summary: string;
  refunded_transaction_count: number;
  refunded_transaction_amount_summary: string;
  canceled_transaction_count: number;
  canceled_transaction_amount_summary: string;
}
