// The Redis keys of settlement reconciliation, all `<base>:settlement:<part>` (so on a Redis Cluster they share the
// one hash slot of every llrecon key, and a script may touch a day's keys that it builds from `dayPrefix`):
//
//   rows                  hash    `<oid_partner>|<no_order>|<status>` → the row's stored verdict (row-value.ts): which
//                                 file and import generation counted it, its day, line, amounts, result, digests
//   file:<name>           hash    one imported file: kind, sha256, gen, status (importing|done), progress, counts…
//   files                 zset    file names, scored by when their import finished (or began)
//   day:<yyyyMMdd>        hash    the day's discrepancies: item key → the item (JSON, as GET /settlements/:date)
//   counts:<yyyyMMdd>     hash    result → how many rows (and `missing` orders) the day has
//   dayfiles:<yyyyMMdd>   set     the files that gave the day rows
//   disagree:<yyyyMMdd>   hash    row key → a row seen in two files (daily and monthly) that disagree (JSON)
//   dates                 zset    every day with rows, scored by the day as a number
//   missing               hash    `<oid_partner>|<no_order>` → the day its `missing` item is listed under
//   pending               zset    row keys judged `not_captured`, waiting for their order's confirming query
//   latest                string  the latest daily file's settle date (the `missing` rule's reference)
//   lease                 string  the process watching SETTLEMENT_DIR / fetching over SFTP (token, PX)
//   fetched               string  the UTC+8 day of the last successful daily SFTP fetch
import type { Keyspace } from '../store/keyspace.js';

export interface SettlementKeys {
  rows: string;
  file(name: string): string;
  files: string;
  day(date: string): string;
  counts(date: string): string;
  dayFiles(date: string): string;
  disagree(date: string): string;
  dates: string;
  missing: string;
  pending: string;
  latest: string;
  lease: string;
  fetched: string;
  /** What `day:`, `counts:`, `dayfiles:` keys start with before their part name (for the scripts). */
  prefix: string;
}

export function settlementKeys(ks: Keyspace): SettlementKeys {
  const k = (part: string) => ks.settlement(part);
  return {
    rows: k('rows'),
    file: (name) => k(`file:${name}`),
    files: k('files'),
    day: (date) => k(`day:${date}`),
    counts: (date) => k(`counts:${date}`),
    dayFiles: (date) => k(`dayfiles:${date}`),
    disagree: (date) => k(`disagree:${date}`),
    dates: k('dates'),
    missing: k('missing'),
    pending: k('pending'),
    latest: k('latest'),
    lease: k('lease'),
    fetched: k('fetched'),
    prefix: k(''),
  };
}

/** The key of a row: a refund row has its own `no_order`, so its status keeps it apart from its order's payment. */
export function rowKey(oidPartner: string, noOrder: string, status: string): string {
  return `${oidPartner}|${noOrder}|${status}`;
}

/** The key of an order (in `missing`, and of its `missing` item). */
export function orderKey(oidPartner: string, noOrder: string): string {
  return `${oidPartner}|${noOrder}`;
}

/** The `missing` item's key in a day's hash (row keys have three parts, so it never collides with one). */
export function missingItemKey(oidPartner: string, noOrder: string): string {
  return `missing|${orderKey(oidPartner, noOrder)}`;
}
