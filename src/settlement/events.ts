// The settlement events on the public stream (interface.md "Events"): `settlement.mismatch`, one per order and
// verdict that is not `matched` (nor `other`), and `settlement.processed`, one per imported file. Their ids are
// stable: the same verdict always has the same id, so a re-import adds nothing and a corrected file adds events only
// for verdicts that are new or changed (the verdict's digest is part of the id).
import type { SettlementItem, SettlementResult } from '../reconcile/settlement-match.js';

export const MISMATCH_EVENT = 'settlement.mismatch';
export const PROCESSED_EVENT = 'settlement.processed';

interface SettlementCloudEvent<T> {
  specversion: '1.0';
  id: string;
  source: 'llrecon';
  type: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: T;
}

/** `settlement.mismatch` for `item` listed under `settleDate`; `digest` is the verdict's (row-value.ts). */
export function mismatchEvent(settleDate: string, item: SettlementItem, digest: string, at: number): { type: string; json: string } {
  const event: SettlementCloudEvent<Record<string, unknown>> = {
    specversion: '1.0',
    id: `settlement:${item.oid_partner}:${settleDate}:${item.no_order}:${item.result}:${digest}`,
    source: 'llrecon',
    type: MISMATCH_EVENT,
    subject: item.no_order,
    time: new Date(at).toISOString(),
    datacontenttype: 'application/json',
    data: {
      settle_date: settleDate,
      no_order: item.no_order,
      oid_partner: item.oid_partner,
      result: item.result,
      llrecon: item.llrecon,
      lianlian: item.lianlian,
    },
  };
  return { type: MISMATCH_EVENT, json: JSON.stringify(event) };
}

export interface ProcessedData {
  file: string;
  oid_partner: string;
  /** `yyyyMMdd` (daily, summary) or `yyyyMM` (monthly). */
  settle_date: string;
  rows: number;
  counts: Record<SettlementResult, number>;
}

/** `settlement.processed` for one import of a file, whose bytes have digest `sha256`. */
export function processedEvent(data: ProcessedData, sha256: string, at: number): { type: string; json: string } {
  const event: SettlementCloudEvent<ProcessedData> = {
    specversion: '1.0',
    id: `settlement:${data.oid_partner}:${data.file}:${sha256.slice(0, 16)}`,
    source: 'llrecon',
    type: PROCESSED_EVENT,
    subject: data.file,
    time: new Date(at).toISOString(),
    datacontenttype: 'application/json',
    data,
  };
  return { type: PROCESSED_EVENT, json: JSON.stringify(event) };
}
