// The simulator's settlement files (protocol §7): for its orders, the daily files, their summaries and the monthly
// files LianLian publishes, with the variations real files have (header or not, spaces around `|` or not, UTF-8 or
// GBK, CRLF) and, on request, planted discrepancies for a reconciler to find. Written independently of the reader:
// the columns' order is the one shared list, the totals are summed here.
import iconv from 'iconv-lite';
import { DETAIL_FIELDS, STATUS_REFUNDED, STATUS_SUCCESS, SUMMARY_FIELDS } from '../lianlian/settlement/fields.js';

/** An order the simulator settles: captured (at `money_order`) and settled on `settle_date`. */
export interface SettledOrder {
  oid_partner: string;
  no_order: string;
  /** `yyyyMMddHHmmss` (UTC+8), as the API carries it. */
  dt_order: string;
  oid_paybill: string;
  /** The captured amount, two decimals. */
  money_order: string;
  /** `yyyyMMdd`. */
  settle_date: string;
  pay_type?: string;
  info_order?: string;
  /** A refund of the order, settled the same day: its own number and its (positive) amount. */
  refund?: { no_order: string; money_order: string };
}

export interface SettlementFileOptions {
  /** A header line first (the documented files have one). Default true. */
  header?: boolean;
  /** Spaces around the `|` (as the documented header). Default true. */
  spaces?: boolean;
  encoding?: 'utf-8' | 'gbk';
  crlf?: boolean;
  /** Chinese `info_order` text on every order row (to test GBK and UTF-8 decoding). */
  chineseInfo?: boolean;
  plant?: {
    /** These orders are settled a cent more than captured. */
    wrongAmount?: readonly string[];
    /** These orders are left out of every file. */
    missing?: readonly string[];
    /** This many pre-authorization rows (pay_type F) per day for orders nobody tracks. */
    unknown?: number;
    /** This many rows per day of the merchant's other business (pay_type 1). */
    other?: number;
    /** Each summary counts one successful row more than its daily file has. */
    summaryOff?: boolean;
  };
}

export interface GeneratedFile {
  name: string;
  bytes: Buffer;
}

export interface SettlementFileSet {
  daily: GeneratedFile[];
  summaries: GeneratedFile[];
  monthly: GeneratedFile[];
}

export const CHINESE_INFO = '预授权完成：测试商品（沙箱）';
const FEE_PER_MILLE = 6n;

/** A row's 19 fields, in file order. */
type Fields = string[];

/** The daily, summary and monthly files for `orders`, one daily and summary file per settle date and merchant. */
export function settlementFiles(orders: readonly SettledOrder[], options: SettlementFileOptions = {}): SettlementFileSet {
  const byDay = new Map<string, Fields[]>();
  const add = (oidPartner: string, day: string, fields: Fields): void => {
    const key = `${oidPartner}_${day}`;
    const rows = byDay.get(key);
    if (rows === undefined) byDay.set(key, [fields]);
    else rows.push(fields);
  };
  const missing = new Set(options.plant?.missing ?? []);
  const wrong = new Set(options.plant?.wrongAmount ?? []);
  for (const order of orders) {
    if (missing.has(order.no_order)) continue;
    for (const fields of orderRows(order, wrong.has(order.no_order), options)) add(order.oid_partner, order.settle_date, fields);
  }
  for (const [oidPartner, day] of [...new Set(orders.map((o) => `${o.oid_partner}_${o.settle_date}`))].map(
    (k) => k.split('_') as [string, string],
  )) {
    for (let i = 0; i < (options.plant?.unknown ?? 0); i += 1) add(oidPartner, day, strangerRow(oidPartner, day, i, 'F', options));
    for (let i = 0; i < (options.plant?.other ?? 0); i += 1) add(oidPartner, day, strangerRow(oidPartner, day, 1000 + i, '1', options));
  }
  const set: SettlementFileSet = { daily: [], summaries: [], monthly: [] };
  const byMonth = new Map<string, Fields[]>();
  for (const [key, rows] of [...byDay].sort(([a], [b]) => a.localeCompare(b))) {
    set.daily.push({ name: `JYMX_${key}.txt`, bytes: encodeFile(DETAIL_FIELDS, rows, options) });
    set.summaries.push({
      name: `JYMXSUM_${key}.txt`,
      bytes: encodeFile(SUMMARY_FIELDS, [summaryOf(rows, options.plant?.summaryOff === true)], options),
    });
    const month = key.slice(0, key.length - 2);
    const monthRows = byMonth.get(month);
    if (monthRows === undefined) byMonth.set(month, [...rows]);
    else monthRows.push(...rows);
  }
  for (const [month, rows] of byMonth) set.monthly.push({ name: `JYMX_${month}.txt`, bytes: encodeFile(DETAIL_FIELDS, rows, options) });
  return set;
}

/** The rows an order settles as: its payment, and for a refund a second, negative row naming it in `oid_paybill`. */
export function orderRows(order: SettledOrder, wrongAmount: boolean, options: Pick<SettlementFileOptions, 'chineseInfo'> = {}): Fields[] {
  const info = options.chineseInfo === true ? CHINESE_INFO : (order.info_order ?? 'pre-authorization');
  const amount = wrongAmount ? centsText(cents(order.money_order) + 1n) : order.money_order;
  const rows = [
    detailRow({ ...order, money_order: amount, info_order: info, pay_type: order.pay_type ?? 'F' }, STATUS_SUCCESS, order.oid_paybill),
  ];
  if (order.refund !== undefined) {
    const refund = {
      ...order,
      no_order: order.refund.no_order,
      money_order: `-${order.refund.money_order}`,
      info_order: info,
      pay_type: order.pay_type ?? 'F',
    };
    rows.push(detailRow(refund, STATUS_REFUNDED, order.no_order));
  }
  return rows;
}

/** A row for an order nobody tracks: `UNKNOWN…` (a pre-authorization) or `OTHER…` (other business). */
function strangerRow(oidPartner: string, day: string, serial: number, payType: string, options: SettlementFileOptions): Fields {
  const info = options.chineseInfo === true ? CHINESE_INFO : 'not tracked';
  const noOrder = `${payType === 'F' ? 'UNKNOWN' : 'OTHER'}${day}${serial}`;
  const order = {
    oid_partner: oidPartner,
    no_order: noOrder,
    dt_order: `${day}080000`,
    money_order: '88.00',
    settle_date: day,
    pay_type: payType,
    info_order: info,
  };
  return detailRow(order, STATUS_SUCCESS, `9${day}${String(serial).padStart(5, '0')}`);
}

function detailRow(
  o: Omit<SettledOrder, 'oid_paybill'> & { pay_type: string; info_order: string },
  status: string,
  oidPaybill: string,
): Fields {
  const money = cents(o.money_order);
  const fee = ((money < 0n ? -money : money) * FEE_PER_MILLE) / 1000n;
  const dt = `${o.dt_order.slice(0, 8)} ${o.dt_order.slice(8, 10)}:${o.dt_order.slice(10, 12)}:${o.dt_order.slice(12, 14)}`;
  const byName: Record<(typeof DETAIL_FIELDS)[number], string> = {
    no_order: o.no_order,
    oid_partner: o.oid_partner,
    dt_order: dt,
    busi_partner: '101001',
    oid_paybill: oidPaybill,
    settle_date: o.settle_date,
    currency_order: 'CNY',
    money_order: o.money_order,
    currenty_pay: 'CNY',
    money_pay: o.money_order,
    currency_settle: 'CNY',
    money_settle: centsText(money < 0n ? money : money - fee),
    exchange_rate: '1.0000',
    transaction_status: status,
    dt_update: `${o.settle_date} 09:00:00`,
    transaction_fee: centsText(money < 0n ? 0n : fee),
    pay_product: '1',
    pay_type: o.pay_type,
    info_order: o.info_order,
  };
  return DETAIL_FIELDS.map((field) => byName[field]);
}

/** The summary row of a day's rows (`8|8|551.23|0||0|`: an empty amount means none). */
function summaryOf(rows: readonly Fields[], off: boolean): Fields {
  const status = DETAIL_FIELDS.indexOf('transaction_status');
  const amount = DETAIL_FIELDS.indexOf('money_order');
  const of = (wanted: (s: string) => boolean): [number, bigint] => {
    const picked = rows.filter((r) => wanted(r[status] as string));
    return [picked.length, picked.reduce((sum, r) => sum + cents(r[amount] as string), 0n)];
  };
  const [okCount, okCents] = of((s) => s === STATUS_SUCCESS);
  const [refundCount, refundCents] = of((s) => s === STATUS_REFUNDED);
  const [otherCount, otherCents] = of((s) => s !== STATUS_SUCCESS && s !== STATUS_REFUNDED);
  const shown = (count: number, sum: bigint): string => (count === 0 ? '' : centsText(sum));
  const extra = off ? 1 : 0;
  return [
    String(rows.length + extra),
    String(okCount + extra),
    shown(okCount, okCents),
    String(refundCount),
    shown(refundCount, refundCents),
    String(otherCount),
    shown(otherCount, otherCents),
  ];
}

/** One line: fields joined by `|`, with or without spaces around it. */
export function formatSettlementLine(fields: readonly string[], spaces = true): string {
  return fields.join(spaces ? ' | ' : '|');
}

function encodeFile(columns: readonly string[], rows: readonly Fields[], options: SettlementFileOptions): Buffer {
  const spaces = options.spaces ?? true;
  const lines = [
    ...(options.header === false ? [] : [formatSettlementLine(columns, spaces)]),
    ...rows.map((r) => formatSettlementLine(r, spaces)),
  ];
  const eol = options.crlf === true ? '\r\n' : '\n';
  const text = lines.map((line) => line + eol).join('');
  return options.encoding === 'gbk' ? iconv.encode(text, 'gbk') : Buffer.from(text, 'utf8');
}

function cents(text: string): bigint {
  const m = /^(-?)(\d+)\.(\d{2})$/.exec(text);
  if (m === null) throw new RangeError(`the simulator settles amounts with two decimals, got ${text}`);
  const value = BigInt(m[2] as string) * 100n + BigInt(m[3] as string);
  return m[1] === '-' ? -value : value;
}

function centsText(value: bigint): string {
  const abs = value < 0n ? -value : value;
  return `${value < 0n ? '-' : ''}${(abs / 100n).toString()}.${(abs % 100n).toString().padStart(2, '0')}`;
}
