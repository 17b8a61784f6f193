// Importing settlement files against orders in a real Redis: every verdict, its events, re-imports, corrected
// files, a row in both a daily and a monthly file, refusals (a malformed line, another merchant) and an import
// interrupted half-way and resumed.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { DateTime } from 'luxon';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { SettlementFileError } from '../src/lianlian/settlement/file-error.js';
import { settlementFiles, type SettledOrder } from '../src/sandbox/settlement-files.js';
import { importSettlementFile } from '../src/settlement/import.js';
import { listSettlementDays, settlementDay } from '../src/settlement/reports.js';
import { defineScripts } from '../src/store/scripts/index.js';
import { keyspace, type Keyspace } from '../src/store/keyspace.js';
import { randomOid } from './support/stack.js';
import { seedOrders, settlementEvents, tempDir, testDeps, writeIn } from './support/settlement.js';

const redis = new Redis(inject('redisUrl'));
defineScripts(redis);
afterAll(() => redis.quit());

const DAY = '20260305';
const at = (iso: string) => DateTime.fromISO(iso, { zone: 'UTC+8' }).toMillis();

let ks: Keyspace;
let oid: string;
beforeEach(() => {
  ks = keyspace(`t${randomBytes(4).toString('hex')}`);
  oid = randomOid();
});

function settled(no: string, extra: Partial<SettledOrder> = {}): SettledOrder {
  return {
    oid_partner: oid,
    no_order: no,
    dt_order: '20260303100000',
    oid_paybill: `2026${no}`,
    money_order: '100.00',
    settle_date: DAY,
    ...extra,
  };
}

/** The orders of the usual day: one of each kind. */
async function seedDay(): Promise<SettledOrder[]> {
  await seedOrders(redis, ks, oid, [
    { no_order: 'A1', state: 'captured', oid_paybill: '2026A1', changed_at: at('2026-03-03T10:00') },
    { no_order: 'B1', state: 'captured', oid_paybill: '2026B1', money_captured: '80.00', changed_at: at('2026-03-03T10:00') },
    { no_order: 'C1', state: 'authorized', oid_paybill: '2026C1' },
    { no_order: 'D1', state: 'captured', oid_paybill: '2026D1', changed_at: at('2026-03-03T10:00') },
    { no_order: 'M1', state: 'captured', oid_paybill: '2026M1', changed_at: at('2026-03-02T23:59') },
    { no_order: 'R1', state: 'captured', oid_paybill: '2026R1', changed_at: at('2026-03-04T00:01') },
  ]);
  return [
    settled('A1'),
    settled('B1'),
    settled('C1'),
    settled('D1', { refund: { no_order: 'RF-D1', money_order: '30.00' } }),
    settled('M1'),
    settled('R1'),
  ];
}

describe('importing a daily settlement file', () => {
  it('gives every verdict, lists the discrepancies with both sides and appends one event each', async () => {
    const orders = await seedDay();
    const set = settlementFiles(orders, { plant: { missing: ['M1', 'R1'], unknown: 1, other: 1 } });
    const dir = tempDir();
    const daily = set.daily[0]!;
    const confirmed: string[] = [];
    const deps = testDeps(redis, ks, oid, { confirm: async (no) => confirmed.push(no) });
    const r = await importSettlementFile(deps, writeIn(dir, daily.name, daily.bytes));
    expect(r).toMatchObject({ status: 'imported', kind: 'daily', settle_date: DAY, rows: 7, encoding: 'utf-8' });
    expect(r.counts).toEqual({ matched: 2, amount_mismatch: 1, not_captured: 1, missing: 0, untracked: 1, refund: 1, other: 1 });
    expect(confirmed).toEqual(['C1']);

    const report = await settlementDay({ redis, ks, oidPartner: oid }, DAY);
    // A1 and D1 matched, B1 captured for 80.00 by llrecon but settled at 100.00; M1 captured on the 2nd (due with a
    // 2-day grace by the 5th) and in no file; R1 captured on the 4th: not due yet
    expect(report?.counts).toEqual({ matched: 2, amount_mismatch: 1, not_captured: 1, missing: 1, untracked: 1, refund: 1, other: 1 });
    const byResult = Object.fromEntries(report!.items.map((i) => [i.result, i]));
    expect(byResult.amount_mismatch).toMatchObject({
      no_order: 'B1',
      llrecon: { state: 'captured', money_order: '80.00' },
      lianlian: { money_order: '100.00', transaction_status: '0', oid_paybill: '2026B1' },
    });
    expect(byResult.not_captured).toMatchObject({ no_order: 'C1', llrecon: { state: 'authorized' } });
    expect(byResult.missing).toMatchObject({ no_order: 'M1', lianlian: null, llrecon: { state: 'captured', money_order: '100.00' } });
    expect(byResult.untracked).toMatchObject({ no_order: `UNKNOWN${DAY}0`, llrecon: null });
    expect(byResult.refund).toMatchObject({ no_order: 'D1', lianlian: { money_order: '-30.00', transaction_status: '5' } });
    expect(report!.items.map((i) => i.no_order)).not.toContain('R1');
    expect(report!.files.map((f) => f.name)).toEqual([daily.name]);

    const events = await settlementEvents(redis, ks);
    expect(
      events
        .filter((e) => e.type === 'settlement.mismatch')
        .map((e) => `${e.data.result as string}:${e.data.no_order as string}`)
        .sort(),
    ).toEqual(['amount_mismatch:B1', 'missing:M1', 'not_captured:C1', 'refund:D1', `untracked:UNKNOWN${DAY}0`]);
    const processed = events.filter((e) => e.type === 'settlement.processed');
    expect(processed).toHaveLength(1);
    expect(processed[0]!.data).toMatchObject({ file: daily.name, oid_partner: oid, settle_date: DAY, rows: 7 });
    // the refund is recorded on its order's history
    const history = (await redis.lrange(ks.history('D1'), 0, -1)).map((j) => JSON.parse(j) as Record<string, unknown>);
    expect(history).toEqual([expect.objectContaining({ kind: 'action', action: 'settlement_refund', actor: 'settlement' })]);

    // the summary file: agrees, then (a planted difference) does not
    const sum = set.summaries[0]!;
    await importSettlementFile(deps, writeIn(dir, sum.name, sum.bytes));
    expect((await listSettlementDays({ redis, ks, oidPartner: oid }))[0]).toMatchObject({ settle_date: DAY, summary_ok: true });
    const off = settlementFiles(orders, { plant: { missing: ['M1', 'R1'], unknown: 1, other: 1, summaryOff: true } }).summaries[0]!;
    expect((await importSettlementFile(deps, writeIn(tempDir(), off.name, off.bytes))).status).toBe('replaced');
    const offDay = await settlementDay({ redis, ks, oidPartner: oid }, DAY);
    expect(offDay?.summary_ok).toBe(false);
    expect(offDay?.summary_differences.map((d) => d.field)).toEqual(['total_transaction_count', 'successful_transaction_count']);
  });

  it('changes nothing when the same file comes again, and counts a corrected file instead of the first', async () => {
    const orders = await seedDay();
    const deps = testDeps(redis, ks, oid);
    const first = settlementFiles(orders, { plant: { missing: ['M1', 'R1'], wrongAmount: ['A1'] } }).daily[0]!;
    const dir = tempDir();
    await importSettlementFile(deps, writeIn(dir, first.name, first.bytes));
    const before = await settlementEvents(redis, ks);
    const again = await importSettlementFile(deps, writeIn(tempDir(), first.name, first.bytes));
    expect(again.status).toBe('unchanged');
    expect(await settlementEvents(redis, ks)).toEqual(before);

    // corrected: A1 at the right amount now, C1's row gone; B1, D1 unchanged
    const corrected = settlementFiles(
      orders.filter((o) => o.no_order !== 'C1'),
      { plant: { missing: ['M1', 'R1'] }, header: false },
    ).daily[0]!;
    const r = await importSettlementFile(deps, writeIn(dir, corrected.name, corrected.bytes));
    expect(r.status).toBe('replaced');
    const day = await settlementDay({ redis, ks, oidPartner: oid }, DAY);
    expect(day?.counts).toEqual({ matched: 2, amount_mismatch: 1, not_captured: 0, missing: 1, untracked: 0, refund: 1, other: 0 });
    expect(day?.items.map((i) => `${i.result}:${i.no_order}`).sort()).toEqual(['amount_mismatch:B1', 'missing:M1', 'refund:D1']);
    const added = (await settlementEvents(redis, ks)).slice(before.length);
    // only A1's verdict changed (to matched: no mismatch event); the second processed event names the new bytes
    expect(added.map((e) => e.type)).toEqual(['settlement.processed']);
    expect(added[0]!.id).not.toBe(before.find((e) => e.type === 'settlement.processed')!.id);
    // the refund's history entry was written once
    expect(await redis.llen(ks.history('D1'))).toBe(1);
  });

  it('takes an order settled by a later file off the missing list, and matches an amount written otherwise', async () => {
    const orders = await seedDay();
    const deps = testDeps(redis, ks, oid);
    const dir = tempDir();
    const first = settlementFiles(orders, { plant: { missing: ['M1', 'R1'] } }).daily[0]!;
    await importSettlementFile(deps, writeIn(dir, first.name, first.bytes));
    expect((await settlementDay({ redis, ks, oidPartner: oid }, DAY))?.counts.missing).toBe(1);
    // the corrected file settles M1, and A1 at 100.0 (llrecon has 100.00: the same amount, written otherwise)
    const later = settlementFiles(orders, { plant: { missing: ['R1'] } }).daily[0]!;
    // the simulator writes two decimals: A1's row is rewritten with its amount as 100.0
    const rewritten = later.bytes
      .toString('utf8')
      .split('\n')
      .map((line) => {
        const fields = line.split('|');
        if (!fields.some((f) => f.trim() === 'A1')) return line;
        return fields.map((f) => (f.trim() === '100.00' ? f.replace('100.00', '100.0') : f)).join('|');
      })
      .join('\n');
    expect(rewritten).toMatch(/\|\s*100\.0\s*(\||$)/m);
    const r = await importSettlementFile(deps, writeIn(dir, later.name, Buffer.from(rewritten, 'utf8')));
    expect(r.status).toBe('replaced');
    expect(r.counts).toMatchObject({ matched: 3, amount_mismatch: 1, not_captured: 1, refund: 1 });
    const day = await settlementDay({ redis, ks, oidPartner: oid }, DAY);
    expect(day?.counts).toMatchObject({ matched: 3, amount_mismatch: 1, missing: 0 });
    expect(day?.items.map((i) => `${i.result}:${i.no_order}`).sort()).toEqual(['amount_mismatch:B1', 'not_captured:C1', 'refund:D1']);
    const mismatches = (await settlementEvents(redis, ks)).filter((e) => e.type === 'settlement.mismatch');
    expect(mismatches.map((e) => `${e.data.result as string}:${e.data.no_order as string}`).sort()).toEqual([
      'amount_mismatch:B1',
      'missing:M1',
      'not_captured:C1',
      'refund:D1',
    ]);
  });

  it('counts a row in both a daily and a monthly file once, and reports where they disagree', async () => {
    const orders = await seedDay();
    const deps = testDeps(redis, ks, oid);
    const daily = settlementFiles(orders, { plant: { missing: ['M1', 'R1'] } }).daily[0]!;
    const monthly = settlementFiles(orders, { plant: { missing: ['M1', 'R1'], wrongAmount: ['A1'] }, spaces: false }).monthly[0]!;
    expect(monthly.name).toBe(`JYMX_${oid}_202603.txt`);
    const dir = tempDir();
    await importSettlementFile(deps, writeIn(dir, daily.name, daily.bytes));
    const m = await importSettlementFile(deps, writeIn(dir, monthly.name, monthly.bytes));
    expect(m).toMatchObject({ kind: 'monthly', settle_date: '202603', rows: 5 });
    const day = await settlementDay({ redis, ks, oidPartner: oid }, DAY);
    expect(day?.counts).toEqual({ matched: 2, amount_mismatch: 1, not_captured: 1, missing: 1, untracked: 0, refund: 1, other: 0 });
    expect(day?.files.map((f) => f.name)).toEqual([daily.name]);
    expect(day?.disagreements).toEqual([
      expect.objectContaining({
        no_order: 'A1',
        fields: ['money_order'],
        counted: expect.objectContaining({ file: daily.name, money_order: '100.00' }),
        other: expect.objectContaining({ file: monthly.name, money_order: '100.01' }),
      }),
    ]);
  });

  it('reads GBK without a header as it reads UTF-8 with one', async () => {
    const orders = await seedDay();
    const deps = testDeps(redis, ks, oid);
    const gbk = settlementFiles(orders, { encoding: 'gbk', header: false, chineseInfo: true, crlf: true }).daily[0]!;
    expect(gbk.bytes.includes(Buffer.from('预', 'utf8'))).toBe(false);
    const r = await importSettlementFile(deps, writeIn(tempDir(), gbk.name, gbk.bytes));
    expect(r).toMatchObject({ encoding: 'gbk', rows: 7 });
    expect(r.counts).toMatchObject({ matched: 4, amount_mismatch: 1, not_captured: 1, refund: 1 });
  });

  it('refuses a malformed file whole, naming the line and the column, and another merchant’s file', async () => {
    const orders = await seedDay();
    const deps = testDeps(redis, ks, oid);
    const daily = settlementFiles(orders).daily[0]!;
    const lines = daily.bytes.toString('utf8').split('\n');
    lines[4] = lines[4]!.replace('100.00', '100.0x');
    const path = writeIn(tempDir(), daily.name, lines.join('\n'));
    const err = await importSettlementFile(deps, path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SettlementFileError);
    expect(err).toMatchObject({ code: 'LLRECON_SETTLEMENT_FILE', line: 5, column: 'money_order' });
    expect(await redis.exists(deps.keys.rows, deps.keys.dates)).toBe(0);
    expect(await settlementEvents(redis, ks)).toEqual([]);

    const stranger = settlementFiles(orders.map((o) => ({ ...o, oid_partner: randomOid() }))).daily[0]!;
    const err2 = await importSettlementFile(deps, writeIn(tempDir(), stranger.name, stranger.bytes)).catch((e: unknown) => e);
    expect(err2).toMatchObject({ code: 'LLRECON_SETTLEMENT_FILE', column: 'filename' });
    expect((err2 as Error).message).toContain(`this llrecon serves ${oid}`);
  });

  it('resumes an import interrupted half-way without counting a row twice', async () => {
    const n = 50;
    await seedOrders(
      redis,
      ks,
      oid,
      Array.from({ length: n }, (_, i) => ({
        no_order: `N${i}`,
        state: 'captured' as const,
        oid_paybill: `2026N${i}`,
        changed_at: at('2026-03-04T10:00'),
      })),
    );
    const orders = Array.from({ length: n }, (_, i) => settled(`N${i}`, { money_order: i % 10 === 0 ? '1.00' : '100.00' }));
    const deps = testDeps(redis, ks, oid);
    const daily = settlementFiles(orders).daily[0]!;
    const path = writeIn(tempDir(), daily.name, daily.bytes);
    let calls = 0;
    const crash = await importSettlementFile(deps, path, {
      batchRows: 20,
      onProgress: () => {
        calls += 1;
        if (calls === 1) throw new Error('crash');
      },
    }).catch((e: unknown) => e);
    expect((crash as Error).message).toBe('crash');
    const partial = await settlementDay({ redis, ks, oidPartner: oid }, DAY);
    expect(partial!.counts.matched + partial!.counts.amount_mismatch).toBeGreaterThan(0);
    expect(partial!.counts.matched + partial!.counts.amount_mismatch).toBeLessThan(n);

    const r = await importSettlementFile(deps, path, { batchRows: 20 });
    expect(r.status).toBe('resumed');
    expect(r.counts).toMatchObject({ matched: 45, amount_mismatch: 5 });
    const day = await settlementDay({ redis, ks, oidPartner: oid }, DAY);
    expect(day?.counts).toMatchObject({ matched: 45, amount_mismatch: 5 });
    const events = await settlementEvents(redis, ks);
    expect(events.filter((e) => e.type === 'settlement.mismatch')).toHaveLength(5);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(events.filter((e) => e.type === 'settlement.processed')).toHaveLength(1);
  });
});
