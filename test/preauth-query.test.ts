import { describe, expect, it } from 'vitest';
import { buildPreauthQueryRequest, readPreauthQueryAnswer, PREAUTH_QUERY_URL } from '../src/lianlian/preauth-query.js';
import { buildSignString } from '../src/lianlian/sign-string.js';
import { signFields, verifyFields } from '../src/lianlian/signature.js';
import { lianlianKeys1024, merchantKeys1024 } from './support/keys.js';
import { failure } from './support/errors.js';

const OID = '201103171000000000';

describe('buildPreauthQueryRequest', () => {
  it('builds and signs the documented fields (api_version, not the seed typo)', () => {
    const request = buildPreauthQueryRequest(
      { oid_partner: OID, no_order: '2013051500001', oid_paybill: '2013051416009982', dt_order: '20141231010101' },
      merchantKeys1024().privateKey,
    );
    expect(Object.keys(request)).toEqual([
      'oid_partner',
      'sign_type',
      'pay_type',
      'api_version',
      'no_order',
      'dt_order',
      'oid_paybill',
      'sign',
    ]);
    expect(request).toMatchObject({ sign_type: 'RSA', pay_type: 'F', api_version: '1.0' });
    expect(verifyFields(request, merchantKeys1024().publicKey)).toMatchObject({
      valid: true,
      signString: `api_version=1.0&dt_order=20141231010101&no_order=2013051500001&oid_partner=${OID}&oid_paybill=2013051416009982&pay_type=F&sign_type=RSA`,
    });
    expect(PREAUTH_QUERY_URL).toBe('https://queryapi.lianlianpay.com/preauthquery.htm');
  });

  it('leaves out what is not known, and sends platform and pay_type G when given', () => {
    const byOrder = buildPreauthQueryRequest(
      { oid_partner: OID, no_order: 'A', oid_paybill: null, dt_order: '20240101000000', pay_type: 'G', platform: 'shop' },
      merchantKeys1024().privateKey,
    );
    expect(byOrder).not.toHaveProperty('oid_paybill');
    expect(byOrder).toMatchObject({ platform: 'shop', pay_type: 'G' });
    const byPaybill = buildPreauthQueryRequest(
      { oid_partner: OID, oid_paybill: '123', dt_order: '20240101000000' },
      merchantKeys1024().privateKey,
    );
    expect(byPaybill).not.toHaveProperty('no_order');
    expect(verifyFields(byPaybill, merchantKeys1024().publicKey).valid).toBe(true);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['neither no_order nor oid_paybill', { oid_partner: OID, dt_order: '20240101000000' }, 'no_order'],
    ['a short oid_partner', { oid_partner: '123', no_order: 'A', dt_order: '20240101000000' }, 'oid_partner'],
    ['no dt_order', { oid_partner: OID, no_order: 'A' }, 'dt_order'],
    ['a bad dt_order', { oid_partner: OID, no_order: 'A', dt_order: '2013051500001' }, 'dt_order'],
    ['a bad no_order', { oid_partner: OID, no_order: 'a b', dt_order: '20240101000000' }, 'no_order'],
    ['a bad oid_paybill', { oid_partner: OID, oid_paybill: 'x', dt_order: '20240101000000' }, 'oid_paybill'],
    ['a bad pay_type', { oid_partner: OID, no_order: 'A', dt_order: '20240101000000', pay_type: 'M' }, 'pay_type'],
    ['a long platform', { oid_partner: OID, no_order: 'A', dt_order: '20240101000000', platform: 'p'.repeat(33) }, 'platform'],
  ])('refuses %s, naming the field', (_name, input, field) => {
    expect(failure(() => buildPreauthQueryRequest(input as never, merchantKeys1024().privateKey)).field).toBe(field);
  });
});

describe('readPreauthQueryAnswer', () => {
  const answer = {
    ret_code: 'PR07',
    ret_msg: '预授权申请成功',
    oid_partner: OID,
    oid_paybill: '2013051416009982',
    no_order: '2013051500001',
    dt_order: '20141231010101',
    money_order: '210.97',
    sign_type: 'RSA',
  };

  it('reads a signed answer', () => {
    const raw = JSON.stringify(signFields(answer, lianlianKeys1024().privateKey));
    const read = readPreauthQueryAnswer(raw, lianlianKeys1024().publicKey);
    const { sign_type: _signType, ...business } = answer;
    expect(read).toMatchObject({ ...business, signString: buildSignString(answer) });
    expect(read.fields).toEqual(answer);
  });

  it('gives null for the optional fields an answer leaves out', () => {
    const bare = { ret_code: '8901', ret_msg: '没有记录', oid_partner: OID, sign_type: 'RSA' };
    const read = readPreauthQueryAnswer(JSON.stringify(signFields(bare, lianlianKeys1024().privateKey)), lianlianKeys1024().publicKey);
    expect(read).toMatchObject({ ret_code: '8901', no_order: null, dt_order: null, oid_paybill: null, money_order: null });
  });

  it('refuses an unsigned answer, keeping its ret_code readable', () => {
    const error = failure(() => readPreauthQueryAnswer('{"ret_code":"1008","ret_msg":"IP不在白名单"}', lianlianKeys1024().publicKey));
    expect(error).toMatchObject({
      code: 'LLRECON_UNSIGNED_ANSWER',
      retCode: '1008',
      retMsg: 'IP不在白名单',
      signString: 'ret_code=1008&ret_msg=IP不在白名单',
    });
  });

  it('refuses an answer signed by someone else', () => {
    const raw = JSON.stringify(signFields(answer, merchantKeys1024().privateKey));
    expect(failure(() => readPreauthQueryAnswer(raw, lianlianKeys1024().publicKey))).toMatchObject({
      code: 'LLRECON_BAD_ANSWER_SIGNATURE',
      retCode: 'PR07',
    });
  });

  it('refuses a mangled answer (state changed after signing)', () => {
    const signed = signFields(answer, lianlianKeys1024().privateKey);
    const raw = JSON.stringify({ ...signed, ret_code: 'PR11' });
    expect(failure(() => readPreauthQueryAnswer(raw, lianlianKeys1024().publicKey))).toMatchObject({
      code: 'LLRECON_BAD_ANSWER_SIGNATURE',
      retCode: 'PR11',
    });
  });

  it('refuses a non-string value even when the signature would match its text', () => {
    const signed = signFields(answer, lianlianKeys1024().privateKey);
    const raw = JSON.stringify(signed).replace('"money_order":"210.97"', '"money_order":210.97');
    const error = failure(() => readPreauthQueryAnswer(raw, lianlianKeys1024().publicKey));
    expect(error.code).toBe('LLRECON_BAD_ANSWER_SIGNATURE');
    expect(error.message).toContain('money_order');
  });

  it.each([
    ['not JSON', '<html>502 Bad Gateway</html>'],
    ['empty', ''],
    ['an array', '[]'],
    ['no ret_code', '{"ret_msg":"x","sign":"abc"}'],
    ['a numeric ret_code', '{"ret_code":0,"ret_msg":"x"}'],
  ])('refuses %s as unparseable', (_name, raw) => {
    expect(failure(() => readPreauthQueryAnswer(raw, lianlianKeys1024().publicKey)).code).toBe('LLRECON_UNPARSEABLE_ANSWER');
  });
});
