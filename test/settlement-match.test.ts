// The pure verdicts of settlement reconciliation: each row against what llrecon knows of its order (every result
// kind), the `missing` rule, a daily/monthly disagreement, and `summary_ok` — then the simulator's files, with
// planted discrepancies, read back and judged end to end.
import { describe, expect, it } from 'vitest';
import { DETAIL_FIELDS, STATUS_SUCCESS, type DetailRow, type SummaryRow } from '../src/lianlian/settlement/index.js';
import {
  DEFAULT_PREAUTH_PAY_TYPES,
  addToTotals,
  compareSummary,
  emptyTotals,
  isDiscrepancy,
  isMissing,
  judgeRow,
  missingCutoffMs,
  missingItem,
  rowDisagreement,
  rowOrderKey,
  signedCents,
  type KnownOrder,
  type SettlementResult,
} from '../src/reconcile/settlement-match.js';
import { settlementFiles, type SettledOrder } from '../src/sandbox/settlement-files.js';
import { readSettlementStream } from '../src/settlement/read-file.js';

const P = '201408071000001546';
const PREAUTH = new Set(DEFAULT_PREAUTH_PAY_TYPES);

function row(fields: Partial<DetailRow> = {}): DetailRow {
  const base = Object.fromEntries(DETAIL_FIELDS.map((f) => [f, ''])) as Record<(typeof DETAIL_FIELDS)[number], string>;
  return {
    ...base,
    no_order: 'A1',
    oid_partner: P,
    dt_order: '20240501 10:10:10',
    oid_paybill: '2024050100001',
    settle_date: '20240502',
    money_order: '12.50',
    transaction_status: '0',
    pay_type: 'F',
    line: 7,
    dtOrderMs: 0,
    ...fields,
  };
}
function known(fields: Partial<KnownOrder> = {}): KnownOrder {
  return { state: 'captured', captured_amount: null, money_order: '12.50', oid_paybill: '2024050100001', ...fields };
}

describe('judgeRow: one verdict per row', () => {
  it.each<[string, Partial<DetailRow>, KnownOrder | null, SettlementResult]>([
    ['captured, settled at the order amount', {}, known(), 'matched'],
    ['captured for less (the captured amount counts)', { money_order: '10.00' }, known({ captured_amount: '10.00' }), 'matched'],
    ['trailing zero does not matter', { money_order: '12.5' }, known(), 'matched'],
    ['settled at the full amount, captured for less', {}, known({ captured_amount: '10.00' }), 'amount_mismatch'],
    ['settled a cent more', { money_order: '12.51' }, known(), 'amount_mismatch'],
    ['llrecon knows no amount', {}, known({ money_order: null }), 'amount_mismatch'],
    ['settled while llrecon has it authorized', {}, known({ state: 'authorized' }), 'not_captured'],
    ['settled while llrecon has it voided', {}, known({ state: 'voided' }), 'not_captured'],
    ['a pre-auth row for an order never tracked', {}, null, 'untracked'],
    ['a pre-auth row of another payment (other oid_paybill)', { oid_paybill: '2024050199999' }, known(), 'untracked'],
    ['a row of other business (pay_type 1)', { pay_type: '1' }, null, 'other'],
    [
      'a refund row of a tracked order',
      { no_order: 'R1', oid_paybill: 'A1', money_order: '-2.00', transaction_status: '5' },
      known(),
      'refund',
    ],
    [
      'a refund of an untracked pre-auth',
      { no_order: 'R1', oid_paybill: 'A1', money_order: '-2.00', transaction_status: '5' },
      null,
      'untracked',
    ],
    ['a status the protocol does not name', { transaction_status: '3' }, known(), 'other'],
  ])('%s → %s', (_what, fields, order, result) => {
    expect(judgeRow(row(fields), order, PREAUTH).result).toBe(result);
  });

  it('carries both sides, as GET /settlements/:settle_date lists them', () => {
    expect(judgeRow(row({ money_order: '12.51' }), known({ captured_amount: '12.50' }), PREAUTH)).toEqual({
      no_order: 'A1',
      oid_partner: P,
      result: 'amount_mismatch',
      llrecon: { state: 'captured', money_order: '12.50' },
      lianlian: { oid_paybill: '2024050100001', money_order: '12.51', transaction_status: '0', line: 7 },
    });
    expect(judgeRow(row(), null, PREAUTH).llrecon).toBeNull();
  });

  it('a refund row is about the order its oid_paybill names', () => {
    expect(rowOrderKey(row({ no_order: 'R1', oid_paybill: 'A1', transaction_status: '5' }))).toEqual({ oid_partner: P, no_order: 'A1' });
    expect(rowOrderKey(row())).toEqual({ oid_partner: P, no_order: 'A1' });
  });

  it('the pre-auth pay types are configurable', () => {
    expect(judgeRow(row({ pay_type: 'X' }), null, new Set(['X'])).result).toBe('untracked');
    expect(judgeRow(row({ pay_type: 'F' }), null, new Set(['X'])).result).toBe('other');
  });

  it('only matched and other are not discrepancies', () => {
    expect(
      ['matched', 'amount_mismatch', 'not_captured', 'missing', 'untracked', 'refund', 'other'].filter((r) =>
        isDiscrepancy(r as SettlementResult),
      ),
    ).toEqual(['amount_mismatch', 'not_captured', 'missing', 'untracked', 'refund']);
  });
});

describe('missing: captured on a day at least SETTLEMENT_GRACE before the latest daily file, in no file', () => {
  const day = 86_400_000;
  const at = (iso: string) => Date.parse(iso);
  it.each<[string, string, number, boolean, boolean]>([
    ['two days before, grace 2d, last second of the day', '2024-05-01T23:59:59+08:00', 2 * day, false, true],
    ['one day before, grace 2d', '2024-05-02T00:00:00+08:00', 2 * day, false, false],
    ['two days before but settled in some file', '2024-05-01T10:00:00+08:00', 2 * day, true, false],
    ['grace 36h: the day before yesterday is due', '2024-05-01T10:00:00+08:00', 1.5 * day, false, true],
    ['grace 36h: yesterday is not', '2024-05-02T10:00:00+08:00', 1.5 * day, false, false],
    ['a day boundary in UTC+8, not UTC (UTC says 05-01)', '2024-05-01T16:30:00Z', 2 * day, false, false],
  ])('%s', (_what, captured, grace, inAnyFile, expected) => {
    expect(isMissing(at(captured), inAnyFile, '20240503', grace)).toBe(expected);
  });

  it('the cutoff is the start (UTC+8) of the day after the last due day', () => {
    expect(new Date(missingCutoffMs('20240503', 2 * day)).toISOString()).toBe('2024-05-01T16:00:00.000Z');
  });

  it('a missing item has llrecon side only', () => {
    expect(missingItem({ no_order: 'A9', oid_partner: P, ...known({ captured_amount: '9.00' }) })).toEqual({
      no_order: 'A9',
      oid_partner: P,
      result: 'missing',
      llrecon: { state: 'captured', money_order: '9.00' },
      lianlian: null,
    });
  });
});

describe('a row in both a daily and a monthly file', () => {
  it('names the fields where they disagree, the line aside', () => {
    expect(rowDisagreement(row({ line: 2 }), row({ line: 900 }))).toEqual([]);
    expect(rowDisagreement(row(), row({ money_order: '12.00', transaction_status: '5' }))).toEqual(['money_order', 'transaction_status']);
  });
});

describe('summary_ok', () => {
  const summary = (fields: Partial<SummaryRow>): SummaryRow => ({
    line: 1,
    total_transaction_count: 3,
    successful_transaction_count: 2,
    successful_transaction_amount_summary: '112.50',
    refunded_transaction_count: 1,
    refunded_transaction_amount_summary: '-2.00',
    canceled_transaction_count: 0,
    canceled_transaction_amount_summary: '0.00',
    ...fields,
  });
  const totals = emptyTotals();
  for (const r of [row(), row({ money_order: '100.00' }), row({ money_order: '-2.00', transaction_status: '5' })])
    addToTotals(totals, r.transaction_status, r.money_order);

  it('agrees when counts and amounts (integer cents) are equal', () => {
    expect(compareSummary(summary({}), totals)).toEqual({ ok: true, differences: [] });
    expect(compareSummary(summary({ successful_transaction_amount_summary: '112.5' }), totals).ok).toBe(true);
  });

  it.each<[Partial<SummaryRow>, string, string, string]>([
    [{ total_transaction_count: 4 }, 'total_transaction_count', '4', '3'],
    [{ successful_transaction_amount_summary: '112.51' }, 'successful_transaction_amount_summary', '112.51', '112.50'],
    [{ refunded_transaction_amount_summary: '2.00' }, 'refunded_transaction_amount_summary', '2.00', '-2.00'],
    [{ canceled_transaction_count: 1 }, 'canceled_transaction_count', '1', '0'],
  ])('names the difference %#', (fields, field, summaryValue, file) => {
    expect(compareSummary(summary(fields), totals)).toEqual({ ok: false, differences: [{ field, summary: summaryValue, file }] });
  });

  it('sums many cents exactly (no float drift)', () => {
    const many = emptyTotals();
    for (let i = 0; i < 1000; i += 1) addToTotals(many, STATUS_SUCCESS, '0.10');
    expect(many.successfulCents).toBe(10_000n);
    expect(signedCents('-0.1')).toBe(-10n);
  });
});

describe('the simulator settles its orders; the files read back and judge as planted', () => {
  const orders: SettledOrder[] = ['A1', 'A2', 'A3', 'A4'].map((no, i) => ({
    oid_partner: P,
    no_order: no,
    dt_order: '20240501101010',
    oid_paybill: `202405010000${i}`,
    money_order: `${10 + i}.00`,
    settle_date: '20240503',
  }));
  orders[0]!.refund = { no_order: 'R1', money_order: '3.00' };

  it.each([
    { header: true, spaces: true, encoding: 'utf-8' as const },
    { header: false, spaces: false, encoding: 'gbk' as const, chineseInfo: true, crlf: true },
  ])('%o', async (format) => {
    const set = settlementFiles(orders, { ...format, plant: { wrongAmount: ['A2'], missing: ['A3'], unknown: 1, other: 2 } });
    expect(set.daily.map((f) => f.name)).toEqual([`JYMX_${P}_20240503.txt`]);
    expect(set.summaries.map((f) => f.name)).toEqual([`JYMXSUM_${P}_20240503.txt`]);
    expect(set.monthly.map((f) => f.name)).toEqual([`JYMX_${P}_202405.txt`]);
    const tracked = new Map(orders.map((o) => [o.no_order, known({ money_order: o.money_order, oid_paybill: o.oid_paybill })]));
    const results: Record<string, string> = {};
    const totals = emptyTotals();
    for await (const batch of readSettlementStream([set.daily[0]!.bytes], { name: set.daily[0]!.name })) {
      for (const r of batch.details) {
        addToTotals(totals, r.transaction_status, r.money_order);
        const item = judgeRow(r, tracked.get(rowOrderKey(r).no_order) ?? null, PREAUTH);
        results[r.no_order] = item.result;
      }
    }
    expect(results).toEqual({
      A1: 'matched',
      R1: 'refund',
      A2: 'amount_mismatch',
      A4: 'matched',
      UNKNOWN202405030: 'untracked',
      OTHER202405031000: 'other',
      OTHER202405031001: 'other',
    });
    const captured = Date.parse('2024-05-01T10:10:10+08:00');
    expect(orders.filter((o) => isMissing(captured, o.no_order in results, '20240503', 2 * 86_400_000)).map((o) => o.no_order)).toEqual([
      'A3',
    ]);
    const summaries: SummaryRow[] = [];
    for await (const batch of readSettlementStream([set.summaries[0]!.bytes], { name: set.summaries[0]!.name }))
      summaries.push(...batch.summaries);
    expect(compareSummary(summaries[0]!, totals)).toEqual({ ok: true, differences: [] });
  });

  it('a planted summary difference is found', async () => {
    const set = settlementFiles(orders, { plant: { summaryOff: true } });
    const totals = emptyTotals();
    for await (const batch of readSettlementStream([set.daily[0]!.bytes], { name: set.daily[0]!.name }))
      batch.details.forEach((r) => addToTotals(totals, r.transaction_status, r.money_order));
    const summaries: SummaryRow[] = [];
    for await (const batch of readSettlementStream([set.summaries[0]!.bytes], { name: set.summaries[0]!.name }))
      summaries.push(...batch.summaries);
    expect(compareSummary(summaries[0]!, totals).differences.map((d) => d.field)).toEqual([
      'total_transaction_count',
      'successful_transaction_count',
    ]);
  });
});
