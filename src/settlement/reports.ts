// Reading what settlement reconciliation found: the days with their counts, and one day in full (its files, counts,
// `summary_ok` and the discrepancies with both sides), as GET /settlements[/:settle_date], the dashboard page, the
// CSV download and `llrecon settle report` show them.
import type { Cluster, Redis } from 'ioredis';
import type { SummaryRow } from '../lianlian/settlement/fields.js';
import {
  SETTLEMENT_RESULTS,
  compareSummary,
  type SettlementItem,
  type SettlementResult,
  type SettlementTotals,
} from '../reconcile/settlement-match.js';
import type { Keyspace } from '../store/keyspace.js';
import { settlementKeys } from './keys.js';

export type Counts = Record<SettlementResult, number>;

export interface DaySummary {
  settle_date: string;
  counts: Counts;
  /** null until both the day's daily file and its summary file are imported. */
  summary_ok: boolean | null;
}

export interface FileInfo {
  name: string;
  kind: string;
  status: string;
  rows: number;
  encoding: string | null;
  imported_at: string | null;
}

export interface Disagreement {
  no_order: string;
  oid_partner: string;
  counted: { file: string; line: number; money_order: string; oid_paybill: string };
  other: { file: string; line: number; money_order: string; oid_paybill: string };
  fields: string[];
}

export interface DayReport extends DaySummary {
  files: FileInfo[];
  items: SettlementItem[];
  /** Rows in two files (a daily and a monthly one) that do not agree: counted once, from the first file. */
  disagreements: Disagreement[];
  /** What differs between the summary file and the daily file (empty when summary_ok is not false). */
  summary_differences: { field: string; summary: string; file: string }[];
}

function countsOf(h: Record<string, string>): Counts {
  const out = {} as Counts;
  for (const r of SETTLEMENT_RESULTS) out[r] = Math.max(0, Number(h[r] ?? 0));
  return out;
}

function totalsOf(text: string): SettlementTotals {
  const t = JSON.parse(text) as Record<string, string | number>;
  return {
    total: Number(t.total),
    successful: Number(t.successful),
    successfulCents: BigInt(t.successfulCents as string),
    refunded: Number(t.refunded),
    refundedCents: BigInt(t.refundedCents as string),
    canceled: Number(t.canceled),
    canceledCents: BigInt(t.canceledCents as string),
  };
}

interface Conn {
  redis: Redis | Cluster;
  ks: Keyspace;
  oidPartner: string;
}

async function summaryCheck(c: Conn, date: string): Promise<{ ok: boolean | null; differences: DayReport['summary_differences'] }> {
  const keys = settlementKeys(c.ks);
  const [daily, summary] = await Promise.all([
    c.redis.hmget(keys.file(`JYMX_${c.oidPartner}_${date}.txt`), 'status', 'totals'),
    c.redis.hmget(keys.file(`JYMXSUM_${c.oidPartner}_${date}.txt`), 'status', 'summary'),
  ]);
  if (daily[0] !== 'done' || summary[0] !== 'done' || !daily[1] || !summary[1]) return { ok: null, differences: [] };
  const r = compareSummary(JSON.parse(summary[1]) as SummaryRow, totalsOf(daily[1]));
  return { ok: r.ok, differences: r.differences };
}

/** Every day with settlement rows (or `missing` orders), newest first. */
export async function listSettlementDays(c: Conn, limit = 400): Promise<DaySummary[]> {
  const keys = settlementKeys(c.ks);
  const dates = await c.redis.zrevrange(keys.dates, 0, limit - 1);
  return Promise.all(
    dates.map(async (date) => ({
      settle_date: date,
      counts: countsOf(await c.redis.hgetall(keys.counts(date))),
      summary_ok: (await summaryCheck(c, date)).ok,
    })),
  );
}

export async function fileInfo(c: Conn, name: string): Promise<FileInfo | null> {
  const h = await c.redis.hgetall(settlementKeys(c.ks).file(name));
  if (h.name === undefined) return null;
  return {
    name,
    kind: h.kind ?? '',
    status: h.status ?? '',
    rows: Number(h.rows ?? 0),
    encoding: h.encoding ?? null,
    imported_at: h.imported_at ? new Date(Number(h.imported_at)).toISOString() : null,
  };
}

/** One day in full; null when nothing is known of it. */
export async function settlementDay(c: Conn, date: string): Promise<DayReport | null> {
  const keys = settlementKeys(c.ks);
  const [score, countsHash, fileNames, itemsHash, disagreeHash] = await Promise.all([
    c.redis.zscore(keys.dates, date),
    c.redis.hgetall(keys.counts(date)),
    c.redis.smembers(keys.dayFiles(date)),
    c.redis.hgetall(keys.day(date)),
    c.redis.hgetall(keys.disagree(date)),
  ]);
  const summaryName = `JYMXSUM_${c.oidPartner}_${date}.txt`;
  const summaryFile = await fileInfo(c, summaryName);
  if (score === null && summaryFile === null) return null;
  // the day's file, then monthly ones, then its summary
  const rank = (n: string) => (n.startsWith('JYMXSUM_') ? 2 : /_\d{6}\.txt$/.test(n) ? 1 : 0);
  const names = [...new Set([...fileNames, ...(summaryFile ? [summaryName] : [])])].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const files = (await Promise.all(names.map((n) => fileInfo(c, n)))).filter((f): f is FileInfo => f !== null);
  const items = Object.values(itemsHash).map((j) => JSON.parse(j) as SettlementItem);
  items.sort((a, b) =>
    a.result === b.result ? (a.no_order < b.no_order ? -1 : a.no_order > b.no_order ? 1 : 0) : a.result < b.result ? -1 : 1,
  );
  const check = await summaryCheck(c, date);
  return {
    settle_date: date,
    files,
    counts: countsOf(countsHash),
    summary_ok: check.ok,
    summary_differences: check.differences,
    items,
    disagreements: Object.values(disagreeHash).map((j) => JSON.parse(j) as Disagreement),
  };
}

/** The discrepancies of a day as CSV (RFC 4180), both sides on each line. */
export function itemsCsv(report: DayReport): string {
  const cell = (v: unknown): string => {
    const s = v === null || v === undefined ? '' : String(v);
    // a leading = + - @ would be a formula in a spreadsheet
    const safe = /^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s) ? `'${s}` : s;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const head = ['settle_date', 'no_order', 'oid_partner', 'result', 'llrecon_state', 'llrecon_money_order'];
  head.push('lianlian_oid_paybill', 'lianlian_money_order', 'lianlian_transaction_status', 'lianlian_line');
  const lines = [head.join(',')];
  for (const i of report.items) {
    lines.push(
      [
        report.settle_date,
        i.no_order,
        i.oid_partner,
        i.result,
        i.llrecon?.state,
        i.llrecon?.money_order,
        i.lianlian?.oid_paybill,
        i.lianlian?.money_order,
        i.lianlian?.transaction_status,
        i.lianlian?.line,
      ]
        .map(cell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
