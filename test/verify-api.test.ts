import { describe, expect, it } from 'vitest';
import { signFields, verifyFields } from '../src/lianlian/signature.js';
import { buildVerifyRequest, readVerifyAnswer, VERIFY_API_URL } from '../src/lianlian/verify-api.js';
import { lianlianKeys1024, merchantKeys1024 } from './support/keys.js';
import { failure } from './support/errors.js';

const OID = '201103171000000000';
const NOW = Date.UTC(2013, 4, 15, 1, 41, 37); // 20130515094137 in UTC+8
const input = {
  oid_partner: OID,
  user_id: '01020000',
  token: 'D096DBA0E3E0CC8F1D504C06E71D292D',
  verify_code: '222222',
  no_order: '2013051500001',
};

describe('buildVerifyRequest', () => {
  it('stamps the time in UTC+8 and signs', () => {
    const request = buildVerifyRequest(input, merchantKeys1024().privateKey, NOW);
    expect(request).toMatchObject({ ...input, api_version: '1.0', sign_type: 'RSA', time_stamp: '20130515094137' });
    expect(request).not.toHaveProperty('sign_type ');
    expect(verifyFields(request, merchantKeys1024().publicKey).valid).toBe(true);
    expect(VERIFY_API_URL).toBe('https://fe-pay.lianlianpay.com/exchange/v1/bankcardpayverify');
  });

  it('keeps a given time_stamp', () => {
    expect(buildVerifyRequest({ ...input, time_stamp: '20200101000000' }, merchantKeys1024().privateKey, NOW).time_stamp).toBe(
      '20200101000000',
    );
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a 5-digit code', { verify_code: '12345' }, 'verify_code'],
    ['a numeric code', { verify_code: 123456 }, 'verify_code'],
    ['no token', { token: undefined }, 'token'],
    ['a long user_id', { user_id: 'u'.repeat(33) }, 'user_id'],
    ['a bad oid_partner', { oid_partner: 'x' }, 'oid_partner'],
    ['a bad no_order', { no_order: '' }, 'no_order'],
    ['a bad time_stamp', { time_stamp: '2020-01-01' }, 'time_stamp'],
  ])('refuses %s, naming the field', (_name, change, field) => {
    expect(failure(() => buildVerifyRequest({ ...input, ...change } as never, merchantKeys1024().privateKey, NOW)).field).toBe(field);
  });
});

describe('readVerifyAnswer', () => {
  const success = {
    ret_code: '0000',
    ret_msg: '交易成功',
    oid_partner: OID,
    sign_type: 'RSA',
    no_order: '2013051500001',
    dt_order: '20130515094013',
    oid_paybill: '2013051613121201',
    settle_date: '20130516',
    info_order: '用户13958069593购买了3桶羽毛球',
    pay_type: 'D',
    currency_order: 'USD',
    money_order: '10.00',
    currency_pay: 'CNY',
    money_pay: '68.50',
    exchange_rate: '6.85',
    no_agree: '2013051500001',
    bank_code: '01020000',
    result_pay: 'SUCCESS',
  };

  it.each([
    ['the samples spelling', { money_sellte: '68.50', currency_sellte: 'CNY' }],
    ['the table spelling', { money_settle: '68.50', currency_settle: 'CNY' }],
  ])('reads a signed success with %s of the settle fields', (_name, settle) => {
    const raw = JSON.stringify(signFields({ ...success, ...settle }, lianlianKeys1024().privateKey));
    const read = readVerifyAnswer(raw, lianlianKeys1024().publicKey);
    const { sign_type: _signType, ...business } = success;
    expect(read.fields).toMatchObject(success);
    expect(read).toMatchObject({ ...business, ok: true, result_pay: 'SUCCESS', money_settle: '68.50', currency_settle: 'CNY' });
  });

  it('reads PROCESSING (the no-SMS flow)', () => {
    const raw = JSON.stringify(signFields({ ...success, result_pay: 'PROCESSING' }, lianlianKeys1024().privateKey));
    expect(readVerifyAnswer(raw, lianlianKeys1024().publicKey)).toMatchObject({ ok: true, result_pay: 'PROCESSING' });
  });

  it('reads a signed error answer as not ok, without business fields', () => {
    const raw = JSON.stringify(signFields({ ret_code: '8888', ret_msg: '短信已发送', sign_type: 'RSA' }, lianlianKeys1024().privateKey));
    expect(readVerifyAnswer(raw, lianlianKeys1024().publicKey)).toMatchObject({
      ok: false,
      ret_code: '8888',
      result_pay: null,
      no_order: null,
      money_settle: null,
    });
  });

  it('never returns an unsigned answer: the error carries its ret_code', () => {
    const error = failure(() => readVerifyAnswer('{"ret_code":"1001","ret_msg":"签名验证失败"}', lianlianKeys1024().publicKey));
    expect(error).toMatchObject({ code: 'LLRECON_UNSIGNED_ANSWER', retCode: '1001' });
  });

  it('an unsigned 0000 is refused too', () => {
    expect(failure(() => readVerifyAnswer(JSON.stringify(success), lianlianKeys1024().publicKey)).code).toBe('LLRECON_UNSIGNED_ANSWER');
  });

  it('refuses a mangled amount', () => {
    const signed = signFields(success, lianlianKeys1024().privateKey);
    const raw = JSON.stringify({ ...signed, money_pay: '6.85' });
    expect(failure(() => readVerifyAnswer(raw, lianlianKeys1024().publicKey)).code).toBe('LLRECON_BAD_ANSWER_SIGNATURE');
  });

  it('refuses non-JSON', () => {
    expect(failure(() => readVerifyAnswer('ret_code=0000', lianlianKeys1024().publicKey)).code).toBe('LLRECON_UNPARSEABLE_ANSWER');
  });
});
