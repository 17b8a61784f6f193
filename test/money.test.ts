import { describe, expect, it } from 'vitest';
import { isLlreconError } from '../src/errors.js';
import { moneyEquals, parseMoney } from '../src/lianlian/money.js';

describe('parseMoney', () => {
  it.each([
    ['5.00', '5.00'],
    ['5.10', '5.10'],
    ['0.01', '0.01'],
    ['0.10', '0.10'],
    ['007.50', '7.50'],
    ['210.97', '210.97'],
    ['100000000.00', '100000000.00'],
    ['99999999.99', '99999999.99'],
  ])('%s → %s', (text, expected) => {
    expect(parseMoney(text, 'money_order')).toBe(expected);
  });

  it.each<[string, unknown]>([
    ['zero', '0'],
    ['zero with decimals', '0.00'],
    ['over the maximum by a cent', '100000000.01'],
    ['far over the maximum', '1000000000000000000000'],
    ['three decimals', '1.001'],
    ['one decimal', '1.5'],
    ['one decimal of zero', '5.0'],
    ['no decimals', '5'],
    ['the maximum without decimals', '100000000'],
    ['a trailing dot', '5.'],
    ['a leading dot', '.5'],
    ['a sign', '-1.00'],
    ['a plus sign', '+1.00'],
    ['a comma', '1,00'],
    ['exponent', '1e2'],
    ['spaces', ' 1.00'],
    ['empty', ''],
    ['a number', 5],
    ['null', null],
    ['an object', { amount: '5' }],
  ])('refuses %s', (_name, value) => {
    let caught: unknown;
    try {
      parseMoney(value, 'orders[0].money_order');
    } catch (error) {
      caught = error;
    }
    expect(isLlreconError(caught, 'LLRECON_INVALID_FIELD')).toBe(true);
    expect((caught as { field: string }).field).toBe('orders[0].money_order');
  });
});

describe('moneyEquals', () => {
  // THE amount comparison (query answers and callbacks): the exact decimal value, integers only.
  it.each<[string, string, boolean]>([
    ['5.1', '5.10', true],
    ['5', '5.00', true],
    ['0.01', '0.01', true],
    ['0.01', '0.02', false],
    ['1.10', '1.1', true],
    ['0.3', '0.30', true],
    ['007.50', '7.5', true],
    ['0', '0.00', true],
    ['100000000.00', '99999999.99', false],
    ['100.00', '10.00', false],
    // trailing zeros after the point never matter, however many
    ['210.970', '210.97', true],
    ['210.9700000', '210.97', true],
    ['5.000', '5', true],
    // a third decimal that is not zero equals no two-decimal amount
    ['210.975', '210.97', false],
    ['210.975', '210.98', false],
    ['210.975', '210.975', true],
    // beyond any float's precision: still exact
    ['12345678901234567890.01', '12345678901234567890.010', true],
    ['12345678901234567890.01', '12345678901234567890.02', false],
    ['0.30000000000000004', '0.3', false],
  ])('%j vs %j → %s', (a, b, expected) => {
    expect(moneyEquals(a, b)).toBe(expected);
    expect(moneyEquals(b, a)).toBe(expected);
  });

  it.each(['', 'abc', '1e3', ' 5.00', '5.00 ', '-1.00', '+1.00', '5.', '.5', '1,00', '0x10', '５.00', 'NaN', 'Infinity'])(
    '%j is not a plain non-negative decimal: it equals nothing, itself included',
    (text) => {
      expect(moneyEquals(text, text)).toBe(false);
      for (const other of ['5.00', '1000.00', '0.00', '1.00', '0.50'])
        expect([moneyEquals(text, other), moneyEquals(other, text)]).toEqual([false, false]);
    },
  );

  it('refuses a value that is not a string (an unchecked body may carry anything)', () => {
    expect(moneyEquals(5 as unknown as string, '5.00')).toBe(false);
    expect(moneyEquals(null as unknown as string, '5.00')).toBe(false);
  });
});
