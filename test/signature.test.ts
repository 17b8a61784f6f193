import { describe, expect, it } from 'vitest';
import { importPrivateKey, importPublicKey } from '../src/lianlian/keys.js';
import { md5Supported, assertMd5Supported } from '../src/lianlian/md5-support.js';
import { buildSignString } from '../src/lianlian/sign-string.js';
import { signFields, signString, verifyBody, verifyFields, verifyString } from '../src/lianlian/signature.js';
import { keys2048, lianlianKeys1024, merchantKeys1024 } from './support/keys.js';
import { addSignVector, lianlianPublicKeyVector, verifyDirectVector } from './support/vectors.js';

const addSign = addSignVector;
const lianlianPublic = lianlianPublicKeyVector;
const direct = verifyDirectVector;

const realLianLianKey = importPublicKey(lianlianPublic.public_key_base64, 'LianLian public key');

describe('known answers', () => {
  it('reproduces the docs add-sign signature byte for byte from the bare base64 PKCS#8 key', () => {
    const key = importPrivateKey(addSign.merchant_private_key_pkcs8_base64, 'test merchant key');
    expect(signString(addSign.sign_source, key)).toBe(addSign.sign);
    expect(signFields(addSign.body, key).sign).toBe(addSign.sign);
    expect(addSign.sign).toHaveLength(172);
  });

  it('verifies the real 2015 LianLian response with LianLian public key', () => {
    const result = verifyFields(direct.body, realLianLianKey);
    expect(result).toMatchObject({ valid: true, reason: 'ok', signString: direct.sign_source });
    expect(result.fields).not.toHaveProperty('sign');
    expect(result.fields.ret_msg).toBe('交易成功');
    expect(verifyBody(JSON.stringify(direct.body), realLianLianKey).valid).toBe(true);
  });

  it('rejects the tampered 2015 response', () => {
    expect(verifyFields(direct.tampered.body, realLianLianKey)).toMatchObject({ valid: false, reason: 'mismatch' });
    expect(verifyBody(JSON.stringify(direct.tampered.body), realLianLianKey).reason).toBe('mismatch');
  });

  it('md5 is supported here (Node 20 / OpenSSL 3, not FIPS)', () => {
    expect(md5Supported()).toBe(true);
    expect(() => assertMd5Supported()).not.toThrow();
  });
});

describe('any one-character change of a genuinely signed body is rejected', () => {
  const raw = JSON.stringify(direct.body);
  const ranges: Array<[string, number, number]> = [];
  for (const [name, value] of Object.entries(direct.body)) {
    const start = raw.indexOf(`"${name}":${JSON.stringify(value)}`) + name.length + 4;
    ranges.push([name, start, start + JSON.stringify(value).length - 2]);
  }

  it.each(ranges)('in %s', (name, start, end) => {
    expect(verifyBody(raw, realLianLianKey).valid).toBe(true);
    let checked = 0;
    for (let at = start; at < end; at += 1) {
      const original = raw[at] ?? '';
      for (const replacement of ['0', 'A', '+', '\u4e00']) {
        if (replacement === original) continue;
        const changed = raw.slice(0, at) + replacement + raw.slice(at + 1);
        const result = verifyBody(changed, realLianLianKey);
        expect(result.valid, `${name}[${at - start}] ${original}→${replacement}`).toBe(false);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});

describe('signing and verifying fields', () => {
  const fields = {
    oid_partner: '201408071000001543',
    sign_type: 'RSA',
    no_order: 'ORD-1',
    money_order: '1.10',
    ret_msg: '交易成功',
    risk_item: '{"frms_ware_category":"2009","user_info_mercht_userno":"123"}',
    memo: '',
  };

  it.each([
    ['1024', merchantKeys1024],
    ['2048', keys2048],
  ])('round-trips at %s bits', (_bits, pairOf) => {
    const pair = pairOf();
    const signed = signFields(fields, pair.privateKey);
    expect(signed).toMatchObject(fields);
    expect(signed.sign).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(signed.sign, 'base64')).toHaveLength(pair.privateKey.bits / 8);
    expect(verifyFields(signed, pair.publicKey)).toMatchObject({ valid: true, reason: 'ok', signString: buildSignString(fields) });
    expect(verifyBody(JSON.stringify(signed), pair.publicKey).valid).toBe(true);
  });

  it('rejects a signature made with another key', () => {
    const signed = signFields(fields, merchantKeys1024().privateKey);
    expect(verifyFields(signed, lianlianKeys1024().publicKey)).toMatchObject({ valid: false, reason: 'mismatch' });
  });

  it('a re-signed body replaces an old sign and never signs it', () => {
    const key = merchantKeys1024().privateKey;
    const once = signFields(fields, key);
    expect(signFields(once, key).sign).toBe(once.sign);
  });

  it('sign_type is covered by the signature', () => {
    const signed = signFields(fields, merchantKeys1024().privateKey);
    expect(verifyFields({ ...signed, sign_type: 'MD5' }, merchantKeys1024().publicKey).valid).toBe(false);
  });

  it('an empty field may be added or removed without changing the signature (both sides drop it)', () => {
    const signed = signFields(fields, merchantKeys1024().privateKey);
    const { memo: _memo, ...withoutMemo } = signed;
    expect(verifyFields(withoutMemo, merchantKeys1024().publicKey).valid).toBe(true);
    expect(verifyFields({ ...signed, extra: null }, merchantKeys1024().publicKey).valid).toBe(true);
  });

  it('a number is verified as sent: 1.10 in the body is not 1.1', () => {
    const pair = merchantKeys1024();
    const sign = signString('money_order=1.10&sign_type=RSA', pair.privateKey);
    const raw = `{"money_order":1.10,"sign_type":"RSA","sign":"${sign}"}`;
    const result = verifyBody(raw, pair.publicKey);
    expect(result.signString).toBe('money_order=1.10&sign_type=RSA');
    expect(result).toMatchObject({ valid: false, reason: 'non_string' });
    expect(verifyBody(raw.replace('1.10', '"1.10"'), pair.publicKey)).toMatchObject({ valid: true, reason: 'ok' });
  });

  it('a nested object is non_string, and its raw text is shown in the signed string', () => {
    const pair = merchantKeys1024();
    const raw = `{"risk_item":{"a":"1"},"sign_type":"RSA","sign":"${signString('risk_item={"a":"1"}&sign_type=RSA', pair.privateKey)}"}`;
    expect(verifyBody(raw, pair.publicKey)).toMatchObject({
      valid: false,
      reason: 'non_string',
      signString: 'risk_item={"a":"1"}&sign_type=RSA',
    });
    expect(verifyFields({ risk_item: { a: '1' }, sign: 'x' }, pair.publicKey)).toMatchObject({
      valid: false,
      reason: 'non_string',
      signString: 'risk_item={"a":"1"}',
    });
  });

  it.each<[string, Record<string, unknown>]>([
    ['no sign', { a: '1' }],
    ['an empty sign', { a: '1', sign: '' }],
    ['a null sign', { a: '1', sign: null }],
  ])('%s is no_sign, with the signed string still filled', (_name, body) => {
    expect(verifyFields(body, merchantKeys1024().publicKey)).toEqual({
      valid: false,
      reason: 'no_sign',
      signString: 'a=1',
      fields: { a: '1' },
    });
  });

  it('a numeric sign is non_string', () => {
    expect(verifyBody('{"a":"1","sign":12}', merchantKeys1024().publicKey).reason).toBe('non_string');
  });
});

describe('verifyString never throws on garbage', () => {
  const pair = merchantKeys1024();
  const good = signString('x=1', pair.privateKey);

  it.each([
    ['empty', ''],
    ['not base64', '!!!!'],
    ['too short', 'AAAA'],
    ['with a line break', `${good.slice(0, 76)}\n${good.slice(76)}`],
    ['without padding', good.replace(/=+$/, '')],
    ['base64url', good.replace(/\+/g, '-').replace(/\//g, '_')],
    ['trailing junk', `${good}AAAA`],
    ['non-canonical last character', good.replace(/.(=*)$/, (m, pad: string) => `${m[0] === 'A' ? 'B' : 'A'}${pad}`)],
    ['a 2048-bit length signature', signString('x=1', keys2048().privateKey)],
  ])('%s → false', (_name, sign) => {
    expect(verifyString('x=1', sign, pair.publicKey)).toBe(false);
  });

  it('and is true for the good one', () => {
    expect(verifyString('x=1', good, pair.publicKey)).toBe(true);
  });

  it('signs the UTF-8 bytes of the text', () => {
    const sign = signString('ret_msg=交易成功', pair.privateKey);
    expect(verifyString('ret_msg=交易成功', sign, pair.publicKey)).toBe(true);
    expect(verifyString(Buffer.from('ret_msg=交易成功', 'utf8').toString('latin1'), sign, pair.publicKey)).toBe(false);
  });
});
