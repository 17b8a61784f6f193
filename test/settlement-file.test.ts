// Reading LianLian's settlement files (protocol §7): names, rows of daily/monthly and summary files, header or none,
// spaces or none, CRLF and BOM, refunds, the two encodings (auto, forced), and refusals naming the line and column.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isLlreconError } from '../src/errors.js';
import {
  DETAIL_FIELDS,
  SettlementFileError,
  parseSettlementFileName,
  type DetailRow,
  type SummaryRow,
} from '../src/lianlian/settlement/index.js';
import { readSettlementFile, readSettlementStream, type ReadSettlementOptions } from '../src/settlement/read-file.js';
import { formatSettlementLine } from '../src/sandbox/settlement-files.js';
import { detailRowFields } from './support/settlement.js';

const P = '201408071000001546';
const OTHER = '201904301000002222';
const DAILY = `JYMX_${P}_20240502.txt`;
const dir = mkdtempSync(join(tmpdir(), 'llrecon-settlement-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Fields = Partial<Record<(typeof DETAIL_FIELDS)[number], string>>;
function row(fields: Fields = {}): string[] {
  const base = detailRowFields(P);
  return DETAIL_FIELDS.map((field) => fields[field] ?? (base[field] as string));
}
function fileOf(lines: readonly (readonly string[] | string)[], spaces = true, eol = '\n'): string {
  return lines.map((line) => (typeof line === 'string' ? line : formatSettlementLine(line, spaces)) + eol).join('');
}

/** All rows of a one-pass read, fed in chunks of `chunk` bytes. */
async function readStream(bytes: Buffer, name = DAILY, options: ReadSettlementOptions & { holdBytes?: number } = {}, chunk = 7) {
  const chunks = (function* () {
    for (let at = 0; at < bytes.length; at += chunk) yield bytes.subarray(at, at + chunk);
  })();
  const details: DetailRow[] = [];
  const summaries: SummaryRow[] = [];
  let encoding: string | null = null;
  for await (const batch of readSettlementStream(
    (async function* () {
      yield* chunks;
    })(),
    { ...options, name },
  )) {
    details.push(...batch.details);
    summaries.push(...batch.summaries);
    if (batch.done) encoding = batch.encoding;
  }
  return { details, summaries, encoding };
}

async function readFromDisk(bytes: Buffer, name = DAILY, options: ReadSettlementOptions = {}) {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  const details: DetailRow[] = [];
  const summaries: SummaryRow[] = [];
  let encoding: string | null = null;
  for await (const batch of readSettlementFile(path, options)) {
    details.push(...batch.details);
    summaries.push(...batch.summaries);
    if (batch.done) encoding = batch.encoding;
  }
  return { details, summaries, encoding };
}

async function refusal(read: Promise<unknown>): Promise<SettlementFileError> {
  const error = await read.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof SettlementFileError)) throw new Error(`expected a refusal, got ${String(error)}`);
  expect(isLlreconError(error, 'LLRECON_SETTLEMENT_FILE')).toBe(true);
  return error;
}

describe('file names', () => {
  it.each([
    [`JYMX_${P}_20240502.txt`, { kind: 'daily', oid_partner: P, settle_date: '20240502', settle_month: '202405' }],
    [`JYMX_${P}_202405.txt`, { kind: 'monthly', oid_partner: P, settle_date: null, settle_month: '202405' }],
    [`JYMXSUM_${P}_20240229.txt`, { kind: 'summary', oid_partner: P, settle_date: '20240229', settle_month: '202402' }],
    [`JYMX_${OTHER}_20240502.txt`, { kind: 'daily', oid_partner: OTHER, settle_date: '20240502' }],
  ])('%s', (name, expected) => {
    expect(parseSettlementFileName(name)).toMatchObject({ name, ...expected });
  });

  it.each([
    `JYMX_${P}_20230229.txt`, // no such day
    `JYMX_${P}_202413.txt`, // no such month
    `JYMXSUM_${P}_202405.txt`, // a summary is daily
    `JYMX_12345_20240502.txt`, // oid_partner is 18 digits
    `jymx_${P}_20240502.txt`,
    `JYMX_${P}_20240502.csv`,
    `JYMX_${P}_20240502.txt.part`,
  ])('refuses %s', (name) => {
    const error = (() => {
      try {
        parseSettlementFileName(name);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(SettlementFileError);
    expect((error as SettlementFileError).column).toBe('filename');
  });
});

describe('rows of a daily or monthly file', () => {
  it('reads the 19 columns in order, with the documented header and spaces', async () => {
    const { details, encoding } = await readStream(Buffer.from(fileOf([DETAIL_FIELDS, row()])));
    expect(encoding).toBe('utf-8');
    expect(details).toEqual([
      {
        line: 2,
        no_order: 'A1',
        oid_partner: P,
        dt_order: '20240501 10:10:10',
        busi_partner: '101001',
        oid_paybill: '2024050100001',
        settle_date: '20240502',
        currency_order: 'CNY',
        money_order: '12.50',
        currenty_pay: 'CNY',
        money_pay: '12.50',
        currency_settle: 'CNY',
        money_settle: '12.43',
        exchange_rate: '1.0000',
        transaction_status: '0',
        dt_update: '20240502 09:00:00',
        transaction_fee: '0.07',
        pay_product: '1',
        pay_type: 'F',
        info_order: 'goods',
        dtOrderMs: Date.parse('2024-05-01T10:10:10+08:00'),
      },
    ]);
  });

  it('reads the same rows without a header, without spaces, with CRLF, a BOM and blank lines', async () => {
    const plain = await readStream(Buffer.from(fileOf([row(), row({ no_order: 'A2' })], false)));
    const windows = await readStream(
      Buffer.concat([
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from(fileOf([DETAIL_FIELDS, row(), '', row({ no_order: 'A2' })], true, '\r\n')),
      ]),
      DAILY,
      {},
      1,
    );
    const strip = (rows: DetailRow[]) => rows.map(({ line: _line, ...rest }) => rest);
    expect(strip(windows.details)).toEqual(strip(plain.details));
    expect(plain.details.map((r) => r.line)).toEqual([1, 2]);
    expect(windows.details.map((r) => r.line)).toEqual([2, 4]);
  });

  it('accepts a header that spells currency_pay correctly', async () => {
    const header = DETAIL_FIELDS.map((f) => (f === 'currenty_pay' ? 'currency_pay' : f));
    expect((await readStream(Buffer.from(fileOf([header, row()])))).details).toHaveLength(1);
  });

  it('reads a refund: status 5, a negative amount, oid_paybill holding the original no_order', async () => {
    const refund = row({
      no_order: 'R1',
      oid_paybill: 'A1',
      money_order: '-2.00',
      money_pay: '-2.00',
      money_settle: '-2.00',
      transaction_status: '5',
    });
    const { details } = await readStream(Buffer.from(fileOf([row(), refund])));
    expect(details[1]).toMatchObject({ no_order: 'R1', oid_paybill: 'A1', money_order: '-2.00', transaction_status: '5' });
  });

  it('keeps a | inside info_order, the last, free-text column', async () => {
    const { details } = await readStream(Buffer.from(fileOf([row({ info_order: 'size M | blue' })], false)));
    expect(details[0]?.info_order).toBe('size M | blue');
  });

  it('reads a monthly file like a daily one, rows of many days', async () => {
    const name = `JYMX_${P}_202405.txt`;
    const { details } = await readFromDisk(Buffer.from(fileOf([row(), row({ no_order: 'B1', settle_date: '20240531' })])), name);
    expect(details.map((r) => r.settle_date)).toEqual(['20240502', '20240531']);
  });
});

describe('a malformed line refuses the whole file, naming the line and the column', () => {
  it.each<[string, Fields, string]>([
    ['an amount with a comma', { money_order: '12,50' }, 'money_order'],
    ['three decimals', { money_order: '1.005' }, 'money_order'],
    ['a dt_order in the API format', { dt_order: '20240501101010' }, 'dt_order'],
    ['a dt_order that does not exist', { dt_order: '20240230 10:10:10' }, 'dt_order'],
    ['hour 24', { dt_order: '20240501 24:00:00' }, 'dt_order'],
    ['an empty no_order', { no_order: '' }, 'no_order'],
    ['a short oid_partner', { oid_partner: '1234' }, 'oid_partner'],
    ['another merchant in this merchant file', { oid_partner: OTHER }, 'oid_partner'],
    ['a settle_date that does not exist', { settle_date: '20240431' }, 'settle_date'],
    ['a word for a status', { transaction_status: 'OK' }, 'transaction_status'],
    ['a bad fee', { transaction_fee: 'free' }, 'transaction_fee'],
  ])('%s', async (_what, fields, column) => {
    const bytes = Buffer.from(fileOf([DETAIL_FIELDS, row(), row(fields), row()]));
    const error = await refusal(readFromDisk(bytes));
    expect([error.line, error.column]).toEqual([3, column]);
    expect(error.message).toContain(`line 3, column ${column}`);
    expect(error.field).toBe(`line 3.${column}`);
  });

  it('a line with too few columns names the first missing one', async () => {
    const error = await refusal(readStream(Buffer.from(fileOf([row(), row().slice(0, 12)]))));
    expect([error.line, error.column]).toEqual([2, 'exchange_rate']);
  });

  it('a header with a wrong name names its column', async () => {
    const header = DETAIL_FIELDS.map((f) => (f === 'settle_date' ? 'settlement_date' : f));
    const error = await refusal(readStream(Buffer.from(fileOf([header, row()]))));
    expect([error.line, error.column]).toEqual([1, 'settle_date']);
  });

  it('a line far longer than any row (not a settlement file)', async () => {
    const error = await refusal(readStream(Buffer.alloc(200_000, 0x41), DAILY, {}, 4096));
    expect(error.line).toBe(1);
  });
});

describe('summary files', () => {
  const name = `JYMXSUM_${P}_20240502.txt`;
  it.each([
    ['the documented example', '8|8|551.23|0||0|'],
    [
      'with spaces and a header',
      `${formatSettlementLine(['total_transaction_count', 'successful_transaction_count', 'successful_transaction_amount_summary', 'refunded_transaction_count', 'refunded_transaction_amount_summary', 'canceled_transaction_count', 'canceled_transaction_amount_summary'])}\n8 | 8 | 551.23 | 0 |  | 0 | `,
    ],
  ])('%s', async (_what, text) => {
    const { summaries } = await readStream(Buffer.from(`${text}\n`), name);
    expect(summaries).toEqual([
      {
        line: text.includes('\n') ? 2 : 1,
        total_transaction_count: 8,
        successful_transaction_count: 8,
        successful_transaction_amount_summary: '551.23',
        refunded_transaction_count: 0,
        refunded_transaction_amount_summary: '0.00',
        canceled_transaction_count: 0,
        canceled_transaction_amount_summary: '0.00',
      },
    ]);
  });

  it('refuses a count that is not one, naming it', async () => {
    const error = await refusal(readStream(Buffer.from('8|eight|551.23|0||0|\n'), name));
    expect([error.line, error.column]).toEqual([1, 'successful_transaction_count']);
  });
});
