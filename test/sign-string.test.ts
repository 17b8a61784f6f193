import { describe, expect, it } from 'vitest';
import { isLlreconError } from '../src/errors.js';
import { buildSignString } from '../src/lianlian/sign-string.js';
import { addSignVector, verifyDirectVector } from './support/vectors.js';

const addSign = addSignVector;
const direct = verifyDirectVector;

describe('buildSignString', () => {
  it('reproduces the docs add-sign source string', () => {
    expect(buildSignString(addSign.body)).toBe(addSign.sign_source);
  });

  it('reproduces the 2015 response source string (Chinese values kept raw, sign dropped)', () => {
    expect(buildSignString(direct.body)).toBe(direct.sign_source);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['sorts keys in ASCII order', { b: '2', a: '1', c: '3' }, 'a=1&b=2&c=3'],
    ['orders by code unit, upper case before lower, _ between', { b: '1', B: '2', a_b: '3', ab: '4', a: '5' }, 'B=2&a=5&a_b=3&ab=4&b=1'],
    ['a prefix sorts before its extensions', { money_order: '1', money: '2' }, 'money=2&money_order=1'],
    ['drops sign, keeps sign_type', { sign: 'xyz', sign_type: 'RSA', a: '1' }, 'a=1&sign_type=RSA'],
    ['drops null, undefined and the empty string', { a: null, b: undefined, c: '', d: 'x' }, 'd=x'],
    ['keeps whitespace-only and zero values', { a: ' ', b: '0', c: 0 }, 'a= &b=0&c=0'],
    ['uses values raw: no trimming, no encoding', { a: ' x y ', b: 'a&b=c', c: '%20+', d: '"q"' }, 'a= x y &b=a&b=c&c=%20+&d="q"'],
    ['keeps Chinese as it is', { ret_msg: '交易成功', info_order: '商品名称' }, 'info_order=商品名称&ret_msg=交易成功'],
    [
      'signs a JSON-string value verbatim',
      { risk_item: '{"frms_ware_category":"2009","user_info_mercht_userno":"u 1"}', a: '1' },
      'a=1&risk_item={"frms_ware_category":"2009","user_info_mercht_userno":"u 1"}',
    ],
    ['writes numbers and booleans with String()', { n: 1.1, t: true, f: false }, 'f=false&n=1.1&t=true'],
    ['an empty object of fields gives an empty string', {}, ''],
  ])('%s', (_name, fields, expected) => {
    expect(buildSignString(fields)).toBe(expected);
  });

  it.each<[string, unknown]>([
    ['an object', { a: 1 }],
    ['an array', ['a']],
    ['a function', () => 1],
  ])('refuses %s as a value, naming the field', (_name, value) => {
    let caught: unknown;
    try {
      buildSignString({ ok: 'x', risk_item: value });
    } catch (error) {
      caught = error;
    }
    expect(isLlreconError(caught, 'LLRECON_SIGN_NON_STRING')).toBe(true);
    expect((caught as { field?: string }).field).toBe('risk_item');
    expect((caught as Error).message).toMatch(/^risk_item: /);
  });
});
