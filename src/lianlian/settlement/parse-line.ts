// One decoded line of a settlement file → a row, or a refusal naming the line and the column. Pure; the line's
// bytes were split and decoded by lines.ts and encoding.ts. A header line (documented, optional) is recognised only
// as a file's first non-blank line; blank lines are skipped; spaces around the `|` are allowed.
import { DateTime } from 'luxon';
import { LIANLIAN_ZONE } from '../time.js';
import { fieldBounds, scanDetailLine, type FieldBounds } from './fast-line.js';
import { SettlementFileError } from './file-error.js';
import { DETAIL_FIELDS, HEADER_ALIASES, SUMMARY_FIELDS, type DetailField, type DetailRow, type SummaryRow } from './fields.js';

const NO_ORDER = /^[\x21-\x7e]{1,32}$/;
const OID_PARTNER = /^\d{18}$/;
const DT_ORDER = /^(\d{8}) (\d{2}):(\d{2}):(\d{2})$/;
const DAY = /^\d{8}$/;
const OPTIONAL_TOKEN = /^[\x21-\x7e]{0,32}$/;
const CURRENCY = /^[A-Za-z]{0,3}$/;
/** An amount: a signed decimal with at most two decimals (refund and cancel amounts are negative). */
const AMOUNT = /^-?\d{1,15}(?:\.\d{1,2})?$/;
const RATE = /^\d{1,15}(?:\.\d{1,12})?$/;
const STATUS = /^\d{1,2}$/;
const COUNT = /^\d{0,12}$/;

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** `yyyyMMdd` → the day's start (UTC+8) in epoch ms, or null for a day that does not exist. Cached: rows share days. */
class DayCache {
  private readonly days = new Map<string, number | null>();

  startOf(day: string): number | null {
    let start = this.days.get(day);
    if (start === undefined) {
      const at = DateTime.fromFormat(day, 'yyyyMMdd', { zone: LIANLIAN_ZONE });
      start = at.isValid && at.toFormat('yyyyMMdd') === day ? at.toMillis() : null;
      // a month has at most 31 days: a big cache only means a strange file, and must not grow without end
      if (this.days.size >= 4096) this.days.clear();
      this.days.set(day, start);
    }
    return start;
  }
}

function fail(line: number, column: string, message: string): never {
  throw new SettlementFileError(message, { line, column });
}

function shown(value: string): string {
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}

/** Splits on `|` into exactly `count` trimmed fields; extra bars belong to the last field (free text). */
function splitFields(text: string, count: number, names: readonly string[], line: number): string[] {
  const parts = text.split('|');
  if (parts.length < count)
    fail(line, names[parts.length] ?? 'line', `missing: the line has ${parts.length} of the ${count} columns separated by |`);
  if (parts.length > count) parts.splice(count - 1, parts.length - count + 1, parts.slice(count - 1).join('|'));
  for (let i = 0; i < count; i += 1) parts[i] = (parts[i] as string).trim();
  return parts;
}

function isBlank(text: string): boolean {
  return text.trim() === '';
}

/** Checks a header line's names in order; aliases allowed. */
function checkHeader(fields: readonly string[], names: readonly string[], line: number): void {
  names.forEach((name, i) => {
    const given = fields[i] ?? '';
    if (given !== name && HEADER_ALIASES[given] !== name) fail(line, name, `the header names ${shown(given)} where ${name} belongs`);
  });
}

/**
 * A data line read by the fast scanner, offered before its row is made: its text, where each of its 19 fields begins
 * and ends in it (trimmed; valid only during the call) and its line number. Returns true to take the line (no row).
 */
export type ScannedLineHandler = (text: string, bounds: FieldBounds, line: number) => boolean;

/** Reads the lines of a daily or monthly file, in order. */
export class DetailLineParser {
  private readonly days = new DayCache();
  private seenContent = false;

  /** @param oidPartner the merchant the file's name says: a row of another merchant is refused. */
  constructor(private readonly oidPartner: string | null = null) {}

  private readonly bounds = fieldBounds();
  private readonly dayStart = (day: string): number | null => this.days.startOf(day);

  /**
   * The row, or null for a blank line, the header, or a line `offer` took. @throws SettlementFileError naming line
   * and column.
   * @param offer given a data line the fast scanner read (its fields' bounds are valid only during the call); true
   *   takes it, and no row is made for it.
   */
  parse(text: string, line: number, offer?: ScannedLineHandler): DetailRow | null {
    // the header may only be the first line with content: from the second on, a data line takes the fast path
    if (this.seenContent) {
      const dtOrderMs = scanDetailLine(text, this.bounds, this.oidPartner, this.dayStart);
      if (dtOrderMs !== -1) return offer?.(text, this.bounds, line) === true ? null : this.rowAt(text, line, dtOrderMs);
    }
    return this.parseFully(text, line);
  }

  /** The row of a line the fast scanner read before (an offered line, read again). */
  dataRow(text: string, line: number): DetailRow {
    const dtOrderMs = scanDetailLine(text, this.bounds, this.oidPartner, this.dayStart);
    if (dtOrderMs === -1) throw new Error(`settlement: line ${line} was read as a row before and is not one now`);
    return this.rowAt(text, line, dtOrderMs);
  }

  /** Checks a line as parse does, without building its row. @throws SettlementFileError naming line and column. */
  check(text: string, line: number): void {
    if (this.seenContent && scanDetailLine(text, this.bounds, this.oidPartner, this.dayStart) !== -1) return;
    this.parseFully(text, line);
  }

  /** The row of a line scanDetailLine accepted (its fields' bounds in `this.bounds`). */
  private rowAt(text: string, line: number, dtOrderMs: number): DetailRow {
    const b = this.bounds;
    const v = (f: number): string => text.slice(b[f * 2], b[f * 2 + 1]);
    return {
      line,
      no_order: v(0),
      oid_partner: v(1),
      dt_order: v(2),
      busi_partner: v(3),
      oid_paybill: v(4),
      settle_date: v(5),
      currency_order: v(6),
      money_order: v(7),
      currenty_pay: v(8),
      money_pay: v(9),
      currency_settle: v(10),
      money_settle: v(11),
      exchange_rate: v(12),
      transaction_status: v(13),
      dt_update: v(14),
      transaction_fee: v(15),
      pay_product: v(16),
      pay_type: v(17),
      info_order: v(18),
      dtOrderMs,
    };
  }

  private parseFully(text: string, line: number): DetailRow | null {
    if (isBlank(text)) return null;
    const f = splitFields(text, DETAIL_FIELDS.length, DETAIL_FIELDS, line);
    const first = !this.seenContent;
    this.seenContent = true;
    if (first && f[0] === 'no_order') {
      checkHeader(f, DETAIL_FIELDS, line);
      return null;
    }
    const get = (i: number): string => f[i] as string;
    const need = (i: number, rule: RegExp, explanation: string): string => {
      const value = get(i);
      if (!rule.test(value)) fail(line, DETAIL_FIELDS[i] as DetailField, `${explanation}, got ${shown(value)}`);
      return value;
    };
    const no_order = need(0, NO_ORDER, 'must be 1 to 32 printable ASCII characters');
    const oid_partner = need(1, OID_PARTNER, 'must be 18 digits');
    if (this.oidPartner !== null && oid_partner !== this.oidPartner) {
      fail(line, 'oid_partner', `is ${oid_partner}, but the file is merchant ${this.oidPartner}'s`);
    }
    const dt_order = get(2);
    const dtOrderMs = this.timeOf(dt_order, line);
    const settle_date = need(5, DAY, 'must be a day yyyyMMdd');
    if (this.days.startOf(settle_date) === null) fail(line, 'settle_date', `is not a real day: ${settle_date}`);
    return {
      line,
      no_order,
      oid_partner,
      dt_order,
      busi_partner: need(3, OPTIONAL_TOKEN, 'must be up to 32 printable ASCII characters'),
      oid_paybill: need(4, OPTIONAL_TOKEN, 'must be empty or up to 32 printable ASCII characters'),
      settle_date,
      currency_order: need(6, CURRENCY, 'must be a currency code such as CNY'),
      money_order: need(7, AMOUNT, 'must be an amount such as 12.50 or -12.50'),
      currenty_pay: need(8, CURRENCY, 'must be a currency code such as CNY'),
      money_pay: optionalAmount(get(9), line, 'money_pay'),
      currency_settle: need(10, CURRENCY, 'must be a currency code such as CNY'),
      money_settle: optionalAmount(get(11), line, 'money_settle'),
      exchange_rate: get(12) === '' ? '' : need(12, RATE, 'must be a decimal rate such as 1.0000'),
      transaction_status: need(13, STATUS, 'must be a status code such as 0 (successful) or 5 (refunded)'),
      dt_update: get(14),
      transaction_fee: optionalAmount(get(15), line, 'transaction_fee'),
      pay_product: get(16),
      pay_type: need(17, OPTIONAL_TOKEN, 'must be up to 32 printable ASCII characters'),
      info_order: get(18),
      dtOrderMs,
    };
  }

  /** `yyyyMMdd HH:MM:SS` (UTC+8) → epoch ms: the day by luxon (cached), the time of day by arithmetic (UTC+8 has no DST). */
  private timeOf(text: string, line: number): number {
    const m = DT_ORDER.exec(text);
    if (m === null) fail(line, 'dt_order', `must be yyyyMMdd HH:MM:SS (UTC+8), got ${shown(text)}`);
    const day = this.days.startOf(m[1] as string);
    const [hours, minutes, seconds] = [Number(m[2]), Number(m[3]), Number(m[4])];
    if (day === null || hours > 23 || minutes > 59 || seconds > 59) fail(line, 'dt_order', `is not a real time: ${text}`);
    return day + hours * HOUR_MS + minutes * MINUTE_MS + seconds * 1000;
  }
}

function optionalAmount(value: string, line: number, column: DetailField): string {
  if (value !== '' && !AMOUNT.test(value)) fail(line, column, `must be empty or an amount such as 12.50, got ${shown(value)}`);
  return value;
}

/** Reads the lines of a summary file. */
export class SummaryLineParser {
  private seenContent = false;

  parse(text: string, line: number): SummaryRow | null {
    if (isBlank(text)) return null;
    const f = splitFields(text, SUMMARY_FIELDS.length, SUMMARY_FIELDS, line);
    const first = !this.seenContent;
    this.seenContent = true;
    if (first && f[0] === 'total_transaction_count') {
      checkHeader(f, SUMMARY_FIELDS, line);
      return null;
    }
    const count = (i: number): number => {
      const value = f[i] as string;
      if (!COUNT.test(value)) fail(line, SUMMARY_FIELDS[i] as string, `must be empty or a count, got ${shown(value)}`);
      return value === '' ? 0 : Number(value);
    };
    const amount = (i: number): string => {
      const value = f[i] as string;
      if (value !== '' && !AMOUNT.test(value))
        fail(line, SUMMARY_FIELDS[i] as string, `must be empty or an amount such as 551.23, got ${shown(value)}`);
      return value === '' ? '0.00' : value;
    };
    return {
      line,
      total_transaction_count: count(0),
      successful_transaction_count: count(1),
      successful_transaction_amount_summary: amount(2),
      refunded_transaction_count: count(3),
      refunded_transaction_amount_summary: amount(4),
      canceled_transaction_count: count(5),
      canceled_transaction_amount_summary: amount(6),
    };
  }
}
