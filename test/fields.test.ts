import { describe, expect, it } from 'vitest';
import {
  busiPartner,
  cardNo,
  idNo,
  idType,
  infoOrder,
  nameGoods,
  noOrder,
  oidPartner,
  oidPaybill,
  parseOrderToTrack,
  payTypePreauth,
  payTypeWeb,
  platform,
  url,
  userreqIp,
  validOrder,
  verifyCode,
} from '../src/lianlian/fields.js';
import { failure } from './support/errors.js';

type Rule = (value: unknown, field?: string) => unknown;

const table: Array<[string, Rule, unknown[], unknown[]]> = [
  [
    'oidPartner',
    oidPartner,
    ['201408071000001543'],
    ['20140807100000154', '2014080710000015430', '20140807100000154a', 201408071000001500, ''],
  ],
  ['noOrder', noOrder, ['A', 'ORD-2024_01.x#1', 'x'.repeat(32)], ['', 'x'.repeat(33), 'a b', '订单', 'a\tb', 12]],
  ['oidPaybill', oidPaybill, ['1', '2013051416009982', '1'.repeat(18)], ['', '1'.repeat(19), 'P123', 2013051416009982]],
  ['payTypePreauth', payTypePreauth, ['F', 'G'], ['M', 'f', '', 'FG', null]],
  ['payTypeWeb', payTypeWeb, ['M', 'F'], ['G', 'm', '']],
  ['validOrder', validOrder, [1, 10080, '30', 525600], [0, -1, 1.5, '1.5', '', '10m', 525601, null, true]],
  [
    'userreqIp',
    userreqIp,
    ['122_11_37_211', '0_0_0_0', '255_255_255_255'],
    ['122.11.37.211', '256_1_1_1', '1_1_1', '1_1_1_1_1', '01_1_1_1', '', 1],
  ],
  ['busiPartner', busiPartner, ['101001', '109001'], ['101002', '', 101001]],
  ['idType', idType, ['0', '2', '3', '4', '6', '9', 'X'], ['1', '5', 'x', '', 0]],
  [
    'idNo',
    idNo,
    ['110101199003070000', '11010119900307000X', '110101900307001'],
    ['11010119900307X', '1101011990030700', '11010119900307000', 'abc', '', 110101900307001],
  ],
  ['verifyCode', verifyCode, ['000000', '123456'], ['12345', '1234567', 'abcdef', 123456]],
  ['platform', platform, ['p', 'x'.repeat(32)], ['', 'x'.repeat(33), 1]],
  ['nameGoods', nameGoods, ['Pen', '钢笔', 'x'.repeat(40)], ['', 'x'.repeat(41)]],
  ['infoOrder', infoOrder, ['x'.repeat(255)], ['', 'x'.repeat(256)]],
  ['cardNo', cardNo, ['6222021234567890123', '403392123412'], ['403392******1234', '12345678901', '', 1234]],
];

describe.each(table)('%s', (_name, rule, good, bad) => {
  it.each(good.map((value) => [value]))('accepts %j', (value) => {
    expect(() => rule(value)).not.toThrow();
  });

  it.each(bad.map((value) => [value]))('refuses %j as a field error naming the field', (value) => {
    const error = failure(() => rule(value, 'the.field'));
    expect(error.code).toBe('LLRECON_INVALID_FIELD');
    expect(error.field).toBe('the.field');
    expect(error.message).toMatch(/^the\.field: /);
  });
});

describe('url', () => {
  it.each([['https://shop.example/notify'], ['http://127.0.0.1:8080/n?x=1']])('accepts %s', (value) => {
    expect(url(value, 'notify_url')).toBe(value);
  });

  it.each([['ftp://shop.example/'], ['shop.example/notify'], ['https://shop.example/a b'], [`https://x.example/${'a'.repeat(120)}`], ['']])(
    'refuses %s',
    (value) => {
      expect(failure(() => url(value, 'notify_url')).field).toBe('notify_url');
    },
  );

  it('takes a longer limit for url_order', () => {
    const long = `https://x.example/${'a'.repeat(200)}`;
    expect(url(long, 'url_order', 255)).toBe(long);
  });
});

describe('parseOrderToTrack', () => {
  it('reads a full order', () => {
    expect(
      parseOrderToTrack({
        no_order: 'ORD-1',
        dt_order: '20240101120000',
        oid_paybill: '2013051416009982',
        pay_type: 'G',
        money_order: '005.10',
        valid_order: 60,
        platform: 'shop',
      }),
    ).toEqual({
      no_order: 'ORD-1',
      dt_order: '20240101120000',
      oid_paybill: '2013051416009982',
      pay_type: 'G',
      money_order: '5.10',
      valid_order: 60,
      platform: 'shop',
    });
  });

  it('fills the defaults of a minimal order', () => {
    expect(parseOrderToTrack({ no_order: 'A', dt_order: '20240101120000' })).toEqual({
      no_order: 'A',
      dt_order: '20240101120000',
      oid_paybill: null,
      pay_type: 'F',
      money_order: null,
      valid_order: 10080,
      platform: null,
    });
  });

  it('reads null and empty optional fields as absent', () => {
    const order = parseOrderToTrack({ no_order: 'A', dt_order: '20240101120000', oid_paybill: null, money_order: '', platform: null });
    expect(order).toMatchObject({ oid_paybill: null, money_order: null, platform: null });
  });

  it.each<[string, unknown, string, string]>([
    ['no no_order', { dt_order: '20240101120000' }, 'no_order', 'LLRECON_MISSING_FIELD'],
    ['no dt_order', { no_order: 'A' }, 'dt_order', 'LLRECON_MISSING_FIELD'],
    ['a null no_order', { no_order: null, dt_order: '20240101120000' }, 'no_order', 'LLRECON_MISSING_FIELD'],
    ['an unreal dt_order', { no_order: 'A', dt_order: '20230230120000' }, 'dt_order', 'LLRECON_INVALID_FIELD'],
    ['a numeric dt_order', { no_order: 'A', dt_order: 20240101120000 }, 'dt_order', 'LLRECON_INVALID_FIELD'],
    ['a numeric no_order', { no_order: 12, dt_order: '20240101120000' }, 'no_order', 'LLRECON_INVALID_FIELD'],
    ['an array no_order', { no_order: ['A'], dt_order: '20240101120000' }, 'no_order', 'LLRECON_INVALID_FIELD'],
    ['an object money_order', { no_order: 'A', dt_order: '20240101120000', money_order: { v: 1 } }, 'money_order', 'LLRECON_INVALID_FIELD'],
    ['a float money_order', { no_order: 'A', dt_order: '20240101120000', money_order: 1.5 }, 'money_order', 'LLRECON_INVALID_FIELD'],
    [
      'a money_order of one decimal',
      { no_order: 'A', dt_order: '20240101120000', money_order: '1.5' },
      'money_order',
      'LLRECON_INVALID_FIELD',
    ],
    [
      'a money_order without decimals',
      { no_order: 'A', dt_order: '20240101120000', money_order: '5' },
      'money_order',
      'LLRECON_INVALID_FIELD',
    ],
    ['a bad pay_type', { no_order: 'A', dt_order: '20240101120000', pay_type: 'M' }, 'pay_type', 'LLRECON_INVALID_FIELD'],
    ['a zero valid_order', { no_order: 'A', dt_order: '20240101120000', valid_order: 0 }, 'valid_order', 'LLRECON_INVALID_FIELD'],
    [
      'a long oid_paybill',
      { no_order: 'A', dt_order: '20240101120000', oid_paybill: '1'.repeat(19) },
      'oid_paybill',
      'LLRECON_INVALID_FIELD',
    ],
    ['a long platform', { no_order: 'A', dt_order: '20240101120000', platform: 'p'.repeat(33) }, 'platform', 'LLRECON_INVALID_FIELD'],
    ['an unknown key', { no_order: 'A', dt_order: '20240101120000', amount: '1.00' }, 'amount', 'LLRECON_INVALID_FIELD'],
  ])('%s is refused, naming the field with and without a path', (_name, input, field, code) => {
    const single = failure(() => parseOrderToTrack(input, ''));
    expect(single).toMatchObject({ code, field });
    expect(single.message.startsWith(`${field}: `)).toBe(true);
    const inBatch = failure(() => parseOrderToTrack(input, 'orders[1]'));
    expect(inBatch).toMatchObject({ code, field: `orders[1].${field}` });
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['an array', [{ no_order: 'A' }]],
    ['a string', 'A'],
  ])('refuses %s as an order', (_name, input) => {
    expect(failure(() => parseOrderToTrack(input, 'orders[3]'))).toMatchObject({ code: 'LLRECON_INVALID_FIELD', field: 'orders[3]' });
    expect(failure(() => parseOrderToTrack(input))).toMatchObject({ code: 'LLRECON_INVALID_FIELD', field: 'order' });
  });
});
