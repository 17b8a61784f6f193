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

  it('keeps a given time_stamp within 30 minutes of now, either way', () => {
    for (const stamp of ['20130515091137', '20130515101137', '20130515094000'])
      expect(buildVerifyRequest({ ...input, time_stamp: stamp }, merchantKeys1024().privateKey, NOW).time_stamp).toBe(stamp);
  });

  it.each(['20130515091136', '20130515101138', '20200101000000'])('refuses a time_stamp more than 30 minutes off: %s', (stamp) => {
    const error = failure(() => buildVerifyRequest({ ...input, time_stamp: stamp }, merchantKeys1024().privateKey, NOW));
    expect(error).toMatchObject({ code: 'LLRECON_INVALID_FIELD', field: 'time_stamp' });
    expect(error.message).toContain('30 minutes');
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
  const ids = { oid_partner: OID, no_order: '2013051500001' };
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
    currency_settle: 'CNY',
    money_settle: '68.50',
    exchange_rate: '6.85',
    no_agree: '2013051500001',
    bank_code: '01020000',
    result_pay: 'SUCCESS',
  };

  it.each([
    ['the samples spelling', { money_sellte: '68.50', currency_sellte: 'CNY' }],
    ['the table spelling', { money_settle: '68.50', currency_settle: 'CNY' }],
  ])('reads a signed success with %s of the settle fields', (_name, settle) => {
    const { currency_settle: _c, money_settle: _m, ...rest } = success;
    const raw = JSON.stringify(signFields({ ...rest, ...settle }, lianlianKeys1024().privateKey));
    const read = readVerifyAnswer(raw, lianlianKeys1024().publicKey, ids);
    const { sign_type: _signType, ...business } = rest;
    expect(read.fields).toMatchObject({ ...rest, ...settle });
    expect(read).toMatchObject({ ...business, ok: true, result_pay: 'SUCCESS', money_settle: '68.50', currency_settle: 'CNY' });
  });

  it('reads PROCESSING (the no-SMS flow)', () => {
    const raw = JSON.stringify(signFields({ ...success, result_pay: 'PROCESSING' }, lianlianKeys1024().privateKey));
    expect(readVerifyAnswer(raw, lianlianKeys1024().publicKey, ids)).toMatchObject({ ok: true, result_pay: 'PROCESSING' });
  });

  it.each(['FAILURE', 'CLOSED', 'success'])('keeps result_pay %s as LianLian sent it (never read as SUCCESS or PROCESSING)', (result) => {
    const raw = JSON.stringify(signFields({ ...success, result_pay: result }, lianlianKeys1024().privateKey));
    expect(readVerifyAnswer(raw, lianlianKeys1024().publicKey, ids)).toMatchObject({ ok: true, result_pay: result });
  });

  it('reads the seed sample answer (samples spelling, no no_agree) with its signature restored', () => {
    const sample = {
      oid_partner: '201103171000000000',
      dt_order: '20130515094013',
      no_order: '2013051500001',
      oid_paybill: '2013051613121201',
      money_order: '31.68',
      currency_order: 'USD',
      money_pay: '210.97',
      currency_pay: 'CNY',
      money_sellte: '31.47',
      currency_sellte: 'USD',
      exchange_rate: '6.66',
      result_pay: 'SUCCESS',
      settle_date: '20130516',
      info_order: '用户13958069593购买了3桶羽毛球',
      pay_type: 'D',
      bank_code: '01020000',
      ret_code: '0000',
      ret_msg: '交易成功',
      sign_type: 'RSA',
    };
    const raw = JSON.stringify(signFields(sample, lianlianKeys1024().privateKey));
    expect(readVerifyAnswer(raw, lianlianKeys1024().publicKey, ids)).toMatchObject({
      ok: true,
      money_settle: '31.47',
      currency_settle: 'USD',
      no_agree: null,
    });
  });

  it.each([
    'oid_partner',
    'no_order',
    'dt_order',
    'oid_paybill',
    'result_pay',
    'settle_date',
    'pay_type',
    'currency_order',
    'money_order',
    'currency_settle',
    'money_settle',
    'currency_pay',
    'money_pay',
    'exchange_rate',
  ])('refuses a signed 0000 without %s (absent or empty): LLRECON_INCOMPLETE_ANSWER naming it', (name) => {
    for (const value of [undefined, '']) {
      const fields: Record<string, string | undefined> = { ...success, [name]: value };
      const raw = JSON.stringify(signFields(fields as Record<string, string>, lianlianKeys1024().privateKey));
      expect(failure(() => readVerifyAnswer(raw, lianlianKeys1024().publicKey, ids))).toMatchObject({
        code: 'LLRECON_INCOMPLETE_ANSWER',
        field: name,
        retCode: '0000',
      });
    }
  });

  it.each<[string, Record<string, string>, string]>([
    ['another order', { no_order: '2013051500002' }, 'no_order'],
    ['another merchant', { oid_partner: '201103171000000001' }, 'oid_partner'],
  ])('refuses a signed answer about %s: LLRECON_ANSWER_MISMATCH naming the field', (_name, change, field) => {
    const raw = JSON.stringify(signFields({ ...success, ...change }, lianlianKeys1024().privateKey));
    expect(failure(() => readVerifyAnswer(raw, lianlianKeys1024().publicKey, ids))).toMatchObject({
      code: 'LLRECON_ANSWER_MISMATCH',
      field,
      retCode: '0000',
    });
    // an error answer naming another order is not this order's either
    const error = JSON.stringify(
      signFields(
        { ret_code: '8901', ret_msg: '无记录', sign_type: 'RSA', oid_partner: OID, no_order: '2013051500001', ...change },
        lianlianKeys1024().privateKey,
      ),
    );
    expect(failure(() => readVerifyAnswer(error, lianlianKeys1024().publicKey, ids)).code).toBe('LLRECON_ANSWER_MISMATCH');
  });

  it('reads a signed error answer as not ok, without business fields', () => {
    const raw = JSON.stringify(signFields({ ret_code: '8888', ret_msg: '短信已发送', sign_type: 'RSA' }, lianlianKeys1024().privateKey));
    expect(readVerifyAnswer(raw, lianlianKeys1024().publicKey, ids)).toMatchObject({
      ok: false,
      ret_code: '8888',
      result_pay: null,
      no_order: null,
      money_settle: null,
    });
  });

  it('never returns an unsigned answer: the error carries its ret_code', () => {
    const error = failure(() => readVerifyAnswer('{"ret_code":"1001","ret_msg":"签名验证失败"}', lianlianKeys1024().publicKey, ids));
    expect(error).toMatchObject({ code: 'LLRECON_UNSIGNED_ANSWER', retCode: '1001' });
  });

  it('an unsigned 0000 is refused too', () => {
    expect(failure(() => readVerifyAnswer(JSON.stringify(success), lianlianKeys1024().publicKey, ids)).code).toBe(
      'LLRECON_UNSIGNED_ANSWER',
    );
  });

  it('refuses a mangled amount', () => {
    const signed = signFields(success, lianlianKeys1024().privateKey);
    const raw = JSON.stringify({ ...signed, money_pay: '6.85' });
    expect(failure(() => readVerifyAnswer(raw, lianlianKeys1024().publicKey, ids)).code).toBe('LLRECON_BAD_ANSWER_SIGNATURE');
  });

  it('refuses non-JSON', () => {
    expect(failure(() => readVerifyAnswer('ret_code=0000', lianlianKeys1024().publicKey, ids)).code).toBe('LLRECON_UNPARSEABLE_ANSWER');
  });
});
