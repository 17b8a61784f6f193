// The order-file parser behind `llrecon enqueue --file` (parseOrderLines, splitCsvLine, formatOf), fuzzed: any text
// at all either parses or fails with an input error naming a real line; valid orders come back exactly, in JSONL
// and in CSV; one hostile line (wrong types, huge or exponent-form numbers, pollution keys, deep nesting) fails the
// whole file naming that line and field; and nothing of Object.prototype changes on the way.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatOf, parseOrderLines, splitCsvLine, type OrderFileFormat } from '../src/cli/order-file.js';
import { isLlreconError, type ErrorCode } from '../src/errors.js';
import { DEFAULT_VALID_ORDER, type OrderToTrack } from '../src/lianlian/fields.js';
import { formatLianLianTime } from '../src/lianlian/time.js';
import {
  ORDER_FIELDS,
  POLLUTION_KEYS,
  bodies,
  hostileOrderMember,
  nestedArrays,
  nestedObjects,
  orderWith,
  pollutionObjectText,
  prototypeProperties,
  validOrderMembers,
} from './support/hostile.js';

const INPUT_ERRORS: readonly ErrorCode[] = ['LLRECON_INVALID_FIELD', 'LLRECON_MISSING_FIELD', 'LLRECON_INVALID_JSON'];
const protoBefore = prototypeProperties();

/** Parse, returning the error instead of throwing it. */
function attempt(lines: readonly string[], format: OrderFileFormat): { orders: OrderToTrack[] } | { error: unknown } {
  try {
    return { orders: parseOrderLines(lines, format) };
  } catch (error) {
    return { error };
  }
}

/** The error is an input error whose field (and message) names line `n` (1-based), or one of `allowed` lines. */
function expectLineError(error: unknown, lines: readonly string[], allowed?: readonly number[]): number {
  expect(isLlreconError(error), `not an LlreconError: ${String(error)}`).toBe(true);
  const e = error as { code: ErrorCode; field?: string; message: string };
  expect(INPUT_ERRORS).toContain(e.code);
  const n = Number(/^line (\d+)(\.|$)/.exec(e.field ?? '')?.[1]);
  expect(Number.isInteger(n), `field ${String(e.field)}`).toBe(true);
  expect(e.message.startsWith(`line ${n}`), e.message).toBe(true);
  expect(n).toBeGreaterThanOrEqual(1);
  expect(n).toBeLessThanOrEqual(lines.length);
  expect((lines[n - 1] ?? '').trim(), 'a blank line is never at fault').not.toBe('');
  if (allowed) expect(allowed).toContain(n);
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// Valid orders, and how they are written in each format

const printableAscii = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));

const validOrder = fc.record(
  {
    no_order: fc.string({ minLength: 1, maxLength: 32, unit: printableAscii }),
    // any second from 2000 to 2099, as LianLian writes it (UTC+8)
    dt_order: fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) }).map((ms) => formatLianLianTime(ms)),
    oid_paybill: fc.string({ minLength: 1, maxLength: 18, unit: fc.constantFrom(...'0123456789') }),
    pay_type: fc.constantFrom('F', 'G'),
    cents: fc.bigInt({ min: 1n, max: 10_000_000_000n }),
    valid_order: fc.integer({ min: 1, max: 525_600 }),
    platform: fc.oneof(fc.string({ minLength: 1, maxLength: 32 }), fc.constantFrom('预授权', 'web', 'a,b', '"q"', ' x ')),
  },
  { requiredKeys: ['no_order', 'dt_order'] },
);
type ValidOrder = typeof validOrder extends fc.Arbitrary<infer T> ? T : never;

const money = (cents: bigint) => `${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`;

/** What the parser must return for `o`. */
function expected(o: ValidOrder): OrderToTrack {
  return {
    no_order: o.no_order,
    dt_order: o.dt_order,
    oid_paybill: o.oid_paybill ?? null,
    pay_type: (o.pay_type ?? 'F') as 'F' | 'G',
    money_order: o.cents === undefined ? null : money(o.cents),
    valid_order: o.valid_order ?? DEFAULT_VALID_ORDER,
    platform: o.platform ?? null,
  };
}

/** The order's fields as written in a file (money as text, minutes as a number). */
function written(o: ValidOrder): Record<string, string | number> {
  const out: Record<string, string | number> = { no_order: o.no_order, dt_order: o.dt_order };
  if (o.oid_paybill !== undefined) out.oid_paybill = o.oid_paybill;
  if (o.pay_type !== undefined) out.pay_type = o.pay_type;
  if (o.cents !== undefined) out.money_order = money(o.cents);
  if (o.valid_order !== undefined) out.valid_order = o.valid_order;
  if (o.platform !== undefined) out.platform = o.platform;
  return out;
}

/** One CSV cell, quoted when it has to be (a comma, a quote, space at either end) or when `quote` says so. */
function csvCell(value: string, quote: boolean): string {
  return quote || /[",]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

describe('any text at all', () => {
  it('parses, or fails with an input error naming a non-blank line: never another kind of error', () => {
    const line = fc.oneof(
      fc.string({ maxLength: 80, unit: 'binary' }),
      fc.json({ maxDepth: 3 }),
      fc.constantFrom(
        '',
        '   ',
        '\uFEFF',
        '\uFEFF{}',
        '{}',
        '[]',
        'null',
        '1e308',
        '"x"',
        'no_order,dt_order',
        ',,,',
        '"',
        '"""',
        'a,"b,c',
      ),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), fc.constantFrom<OrderFileFormat>('jsonl', 'csv'), (lines, format) => {
        const r = attempt(lines, format);
        if ('error' in r) expectLineError(r.error, lines);
        else for (const o of r.orders) expect(Object.keys(o).sort()).toEqual([...ORDER_FIELDS].sort());
      }),
      { numRuns: 300 },
    );
    expect(prototypeProperties()).toEqual(protoBefore);
  });
});

describe('valid files', () => {
  it('JSONL: every order comes back exactly, blank lines, a BOM and CRLF endings ignored', () => {
    fc.assert(
      fc.property(
        fc.array(validOrder, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(6), { maxLength: 3 }),
        fc.boolean(),
        (orders, blanks, crlf) => {
          const lines = orders.map((o) => `${JSON.stringify(written(o))}${crlf ? '\r' : ''}`);
          for (const at of blanks) lines.splice(Math.min(at, lines.length), 0, at % 2 === 0 ? '' : '  \t');
          lines[0] = `\uFEFF${lines[0] ?? ''}`;
          expect(parseOrderLines(lines, 'jsonl')).toEqual(orders.map(expected));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('CSV: every order comes back exactly, whatever the column order and quoting', () => {
    fc.assert(
      fc.property(
        fc.array(validOrder, { minLength: 1, maxLength: 6 }),
        fc.shuffledSubarray([...ORDER_FIELDS], { minLength: ORDER_FIELDS.length }),
        fc.infiniteStream(fc.boolean()),
        (orders, columns, quotes) => {
          const q = quotes[Symbol.iterator]();
          const next = () => q.next().value as boolean;
          const header = columns.join(next() ? ', ' : ',');
          const rows = orders.map((o) => {
            const w = written(o);
            return columns.map((c) => (w[c] === undefined ? '' : csvCell(String(w[c]), next()))).join(',');
          });
          expect(parseOrderLines([header, ...rows], 'csv')).toEqual(orders.map(expected));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('splitCsvLine gives back the cells that were written, quoted or not', () => {
    const cell = fc.string({ maxLength: 12, unit: fc.constantFrom('a', 'Z', '1', ',', '"', ' ', '预', '\t', "'") });
    fc.assert(
      fc.property(fc.array(cell, { minLength: 1, maxLength: 6 }), fc.infiniteStream(fc.boolean()), (cells, quotes) => {
        const q = quotes[Symbol.iterator]();
        const line = cells.map((c) => (/[",]/.test(c) || (q.next().value as boolean) ? `"${c.replace(/"/g, '""')}"` : c)).join(',');
        expect(splitCsvLine(line)).toEqual(cells);
      }),
      { numRuns: 300 },
    );
  });

  it('tells CSV from JSONL by the file name only', () => {
    expect(['orders.csv', 'ORDERS.CSV', '/tmp/a b/x.Csv'].map(formatOf)).toEqual(['csv', 'csv', 'csv']);
    expect(['orders.jsonl', 'orders.csv.bak', 'csv', 'orders.json', 'orders.tsv'].map(formatOf)).toEqual([
      'jsonl',
      'jsonl',
      'jsonl',
      'jsonl',
      'jsonl',
    ]);
  });
});

describe('one hostile line', () => {
  const dt = formatLianLianTime(Date.UTC(2026, 10, 24, 2, 30));

  it('JSONL: fails the whole file, naming the line and the field (wrong types, huge and exponent-form numbers, unknown keys)', () => {
    const hostile = hostileOrderMember.filter((h) => h.field !== null);
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 1, maxLength: 10, unit: printableAscii }), { maxLength: 5 }),
        fc.nat(5),
        hostile,
        (nos, at, h) => {
          const lines = nos.map((no) => orderWith(validOrderMembers(no, dt)).toString('utf8'));
          const k = Math.min(at, lines.length);
          lines.splice(k, 0, orderWith(validOrderMembers('BAD', dt), h).toString('utf8'));
          const r = attempt(lines, 'jsonl');
          expect('error' in r, h.why).toBe(true);
          const n = expectLineError((r as { error: unknown }).error, lines, [k + 1]);
          expect((r as { error: { field?: string } }).error.field, h.why).toBe(`line ${n}.${h.field}`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('JSONL: refuses prototype-pollution keys anywhere and deep nesting, polluting nothing', () => {
    const line = bodies(
      fc.oneof(
        pollutionObjectText,
        fc.constantFrom(
          nestedArrays(10_000),
          nestedObjects(10_000),
          nestedObjects(10_000, '__proto__'),
          nestedArrays(1_000_000),
          `{"orders":${nestedArrays(10_000)}}`,
        ),
      ),
    );
    fc.assert(
      fc.property(line, fc.boolean(), ({ text }, first) => {
        const good = orderWith(validOrderMembers('GOOD', dt)).toString('utf8');
        const lines = first ? [text, good] : [good, text];
        const r = attempt(lines, 'jsonl');
        expect('error' in r).toBe(true);
        expectLineError((r as { error: unknown }).error, lines, [first ? 1 : 2]);
      }),
      { numRuns: 100 },
    );
    expect(prototypeProperties()).toEqual(protoBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('CSV: refuses a column named like a prototype key, or any column that is no field, when the row has a value there', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...POLLUTION_KEYS, 'toString', 'hasOwnProperty', 'card_no', 'sign'),
        fc.constantFrom('x', 'polluted', '{"polluted":"yes"}'),
        (column, value) => {
          const lines = [`no_order,dt_order,${column}`, `A1,${dt},${csvCell(value, false)}`];
          const r = attempt(lines, 'csv');
          expect('error' in r, `column ${column} was taken`).toBe(true);
          expectLineError((r as { error: unknown }).error, lines, [2]);
          expect((r as { error: { field?: string } }).error.field).toBe(`line 2.${column}`);
        },
      ),
      { numRuns: 50 },
    );
    expect(prototypeProperties()).toEqual(protoBefore);
  });

  it('CSV: refuses huge minutes, exponent forms, and rows with more or fewer cells than the header', () => {
    const bad = fc.oneof(
      fc
        .constantFrom('99999999999999999999', '18446744073709551616', '1e308', '1E3', '-0', '0', '525601', '1.5', ' 60')
        .map((v) => ({ column: 'valid_order', row: v })),
      fc
        .constantFrom('1e308', '1e2', '-0', '0.00', '100000000.01', '18446744073709551616', '12.345')
        .map((v) => ({ column: 'money_order', row: v })),
    );
    fc.assert(
      fc.property(bad, ({ column, row }) => {
        const lines = [`no_order,dt_order,${column}`, `A1,${dt},${row}`];
        const r = attempt(lines, 'csv');
        expect('error' in r, `${column}=${row}`).toBe(true);
        expect((r as { error: { field?: string } }).error.field).toBe(`line 2.${column}`);
      }),
      { numRuns: 50 },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6 }).filter((n) => n !== 3),
        (cells) => {
          const lines = [
            'no_order,dt_order,money_order',
            '',
            Array.from({ length: cells }, (_, i) => (i === 0 ? 'A1' : i === 1 ? dt : '1.00')).join(','),
          ];
          const r = attempt(lines, 'csv');
          // no cells at all is a blank line, which is skipped
          if (cells === 0) expect(r).toEqual({ orders: [] });
          else {
            expect('error' in r).toBe(true);
            expectLineError((r as { error: unknown }).error, lines, [3]);
          }
        },
      ),
    );
  });
});
