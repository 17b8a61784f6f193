// The fast path of reading a data line (src/lianlian/settlement/fast-line.ts) must read every line exactly as the
// full parser does: the same row, or the same refusal (line and column). A fresh DetailLineParser reads its first
// line with the full parser (the header may only be there); a parser that has read a line takes the fast path.
import { describe, expect, it } from 'vitest';
import { DETAIL_FIELDS, type DetailRow } from '../src/lianlian/settlement/fields.js';
import { SettlementFileError } from '../src/lianlian/settlement/file-error.js';
import { DetailLineParser } from '../src/lianlian/settlement/parse-line.js';
import { scannedCandidate, type ScannedCandidate } from '../src/settlement/import-batch.js';
import { matchedDigest, rowDigest } from '../src/settlement/row-value.js';
import { detailRowFields } from './support/settlement.js';

const P = '201408071000001546';

const BASE = detailRowFields(P);

/** Values tried in every column: valid ones, malformed ones, and spaces String#trim takes beyond ASCII's. */
const VALUES = [
  '',
  ' ',
  '0',
  '7',
  '12',
  '123',
  'x',
  'CNY',
  'cny',
  'CNYX',
  'C1Y',
  '12.50',
  '-12.50',
  '12.5',
  '12.',
  '.5',
  '12.505',
  '+1.00',
  '1e5',
  '1234567890123456',
  '123456789012345.12',
  '1.000000000000',
  '1.0000000000000',
  '--1',
  '20240229',
  '20230229',
  '20241301',
  '20240501 23:59:59',
  '20240501 24:00:00',
  '20240501 10:60:00',
  '20240501  10:10:10',
  '2024050110:10:10',
  P,
  '201904301000002222',
  '20140807100000154',
  'A'.repeat(32),
  'A'.repeat(33),
  'a b',
  'é',
  '商品',
  '\u00a0 12.50',
  '12.50\u3000',
  '\u00a012.50\u00a0',
  '\t12.50\t',
  '\u000b0\u000c',
  '商品\u00a0',
  '\u2028F',
  'a|b',
];

const columns = [...DETAIL_FIELDS.keys()];

function lineWith(column: number, value: string, spaces: boolean): string {
  const fields = DETAIL_FIELDS.map((f, i) => (i === column ? value : BASE[f]));
  return fields.join(spaces ? ' | ' : '|');
}

type Outcome = { row: DetailRow | null } | { refused: [number | null, string | null, string] };

function outcome(read: () => DetailRow | null | void): Outcome {
  try {
    return { row: read() ?? null };
  } catch (error) {
    if (!(error instanceof SettlementFileError)) throw error;
    return { refused: [error.line, error.column, error.message] };
  }
}

describe('the fast line scanner', () => {
  it('reads every line as the full parser does: the same row or the same refusal', () => {
    let fastRows = 0;
    let refusals = 0;
    for (const spaces of [false, true]) {
      for (const column of columns) {
        for (const value of VALUES) {
          // a line whose first field reads `no_order` would be the header for a fresh parser: not a data line
          if (column === 0 && value.trim() === 'no_order') continue;
          const text = lineWith(column, value, spaces);
          const full = outcome(() => new DetailLineParser(P).parse(text, 9));
          const primed = new DetailLineParser(P);
          primed.parse(lineWith(-1, '', spaces), 8);
          const fast = outcome(() => primed.parse(text, 9));
          expect(fast, `${DETAIL_FIELDS[column]} = ${JSON.stringify(value)}`).toEqual(full);
          const checker = new DetailLineParser(P);
          checker.parse(lineWith(-1, '', spaces), 8);
          const checked = outcome(() => checker.check(text, 9));
          expect(checked, `check: ${DETAIL_FIELDS[column]} = ${JSON.stringify(value)}`).toEqual('refused' in full ? full : { row: null });
          if ('row' in full) fastRows += 1;
          else refusals += 1;
        }
      }
    }
    // both kinds were tried, many times
    expect(fastRows).toBeGreaterThan(300);
    expect(refusals).toBeGreaterThan(300);
  });

  it('reads a line with too few columns, a blank line and the free text with bars as the full parser does', () => {
    const lines = ['A1|' + P, '', '   ', `${lineWith(-1, '', false)}|more|bars`, `${lineWith(-1, '', true)} | 商品 `];
    for (const text of lines) {
      const primed = new DetailLineParser(P);
      primed.parse(lineWith(-1, '', false), 1);
      expect(outcome(() => primed.parse(text, 2))).toEqual(outcome(() => new DetailLineParser(P).parse(text, 2)));
    }
  });
});

describe('a line taken as it is scanned (the import of matched rows)', () => {
  /** The SETTLE_MATCHED line settleImportBatch makes from a row object. */
  const fromRow = (r: DetailRow): string =>
    `${r.no_order}|${r.settle_date}|${r.line}|${r.money_order}|${r.oid_paybill}|0|${r.pay_type}|matched|${rowDigest(r)}|${matchedDigest(r.money_order, r.oid_paybill)}`;

  it('makes the same SETTLE_MATCHED line as its row, and takes only successful rows of the merchant with an amount ≥ 0', () => {
    let taken = 0;
    let left = 0;
    const extra = [`${lineWith(-1, '', false)}|more|bars`, `${lineWith(-1, '', true)} | 商品 `, lineWith(18, '', false)];
    const texts = [false, true].flatMap((spaces) => columns.flatMap((c) => VALUES.map((v) => lineWith(c, v, spaces))));
    for (const text of [...texts, ...extra]) {
      const full = outcome(() => new DetailLineParser(P).parse(text, 9));
      if (!('row' in full) || full.row === null) continue;
      const row = full.row;
      const parser = new DetailLineParser(P);
      parser.parse(lineWith(-1, '', false), 8);
      let offered: ScannedCandidate | null | undefined;
      const made = parser.parse(text, 9, (t, bounds, line) => {
        offered = scannedCandidate(t, bounds, line, P);
        return offered !== null;
      });
      // a line the fast scanner does not read is never offered: its row is made as before
      if (offered === undefined) {
        expect(made).toEqual(row);
        continue;
      }
      const candidate = row.transaction_status === '0' && row.oid_partner === P && !row.money_order.startsWith('-');
      if (!candidate) {
        expect(offered, text).toBeNull();
        expect(made).toEqual(row);
        left += 1;
        continue;
      }
      expect(made).toBeNull();
      expect(offered, text).toEqual({ text, line: 9, money: row.money_order, match: fromRow(row) });
      // read again when it must be judged in full: the same row
      expect(new DetailLineParser(P).dataRow(text, 9)).toEqual(row);
      taken += 1;
    }
    expect(taken).toBeGreaterThan(300);
    expect(left).toBeGreaterThan(3);
  });
});
