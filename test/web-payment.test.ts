import { describe, expect, it } from 'vitest';
import { signFields, verifyFields } from '../src/lianlian/signature.js';
import {
  NOTIFY_ACK,
  WEB_PAYMENT_URL,
  buildWebPaymentForm,
  readAsyncNotification,
  readReturnNotification,
  renderWebPaymentHtml,
  type WebPaymentInput,
} from '../src/lianlian/web-payment.js';
import { lianlianKeys1024, merchantKeys1024 } from './support/keys.js';
import { failure } from './support/errors.js';

const OID = '201408071000001543';
const NOW = Date.UTC(2017, 7, 1, 14, 57, 14); // 20170801225714 in UTC+8
const input: WebPaymentInput = {
  oid_partner: OID,
  user_id: 'user-1',
  busi_partner: '109001',
  no_order: 'ORD-1',
  dt_order: '20170801225700',
  name_goods: '钢笔',
  money_order: '5.10',
  notify_url: 'https://shop.example/notify',
  userreq_ip: '122_11_37_211',
  pay_type: 'F',
  risk_item: { frms_ware_category: '2009', user_info_mercht_userno: 'user-1' },
};

describe('buildWebPaymentForm', () => {
  it('builds the seed fields, normalised, and signs them', () => {
    const form = buildWebPaymentForm(input, merchantKeys1024().privateKey, NOW);
    expect(form).toMatchObject({
      version: '1.0',
      oid_partner: OID,
      timestamp: '20170801225714',
      sign_type: 'RSA',
      money_order: '5.10',
      risk_item: '{"frms_ware_category":"2009","user_info_mercht_userno":"user-1"}',
    });
    expect(Object.keys(form)).toEqual([
      'version',
      'oid_partner',
      'user_id',
      'timestamp',
      'sign_type',
      'busi_partner',
      'no_order',
      'dt_order',
      'name_goods',
      'money_order',
      'notify_url',
      'userreq_ip',
      'pay_type',
      'risk_item',
      'sign',
    ]);
    const check = verifyFields(form, merchantKeys1024().publicKey);
    expect(check.valid).toBe(true);
    expect(check.signString).toContain('&risk_item={"frms_ware_category":"2009","user_info_mercht_userno":"user-1"}&');
  });

  it('keeps a given timestamp up to 30 minutes off now, either way', () => {
    for (const timestamp of ['20170801222714', '20170801232714'])
      expect(buildWebPaymentForm({ ...input, timestamp }, merchantKeys1024().privateKey, NOW).timestamp).toBe(timestamp);
  });

  it('sends a risk_item string verbatim and every optional field when given', () => {
    const riskText = '{ "frms_ware_category" : "2009" }';
    const form = buildWebPaymentForm(
      {
        ...input,
        risk_item: riskText,
        platform: 'shop',
        info_order: 'info',
        url_return: 'https://shop.example/return',
        url_order: 'https://shop.example/item/1',
        valid_order: 30,
        back_url: 'https://shop.example/back',
        no_agree: '2015090900197005',
        acct_name: '张三',
        card_no: '6222021234567890123',
        id_type: '0',
        id_no: '11010119900307000X',
        timestamp: '20170801230000',
      },
      merchantKeys1024().privateKey,
      NOW,
    );
    expect(form).toMatchObject({ risk_item: riskText, valid_order: '30', timestamp: '20170801230000', acct_name: '张三', id_type: '0' });
    expect(verifyFields(form, merchantKeys1024().publicKey).valid).toBe(true);
  });

  it.each<[string, Partial<Record<keyof WebPaymentInput, unknown>>, string]>([
    ['a bad busi_partner', { busi_partner: '100000' }, 'busi_partner'],
    ['a dotted IP', { userreq_ip: '122.11.37.211' }, 'userreq_ip'],
    ['a bad amount', { money_order: '5.123' }, 'money_order'],
    ['a numeric amount', { money_order: 5 }, 'money_order'],
    ['a long name_goods', { name_goods: 'x'.repeat(41) }, 'name_goods'],
    ['a non-http notify_url', { notify_url: 'ftp://x' }, 'notify_url'],
    ['a bad url_return', { url_return: 'not a url' }, 'url_return'],
    ['pay_type G', { pay_type: 'G' }, 'pay_type'],
    ['a risk_item that is not JSON', { risk_item: 'category=2009' }, 'risk_item'],
    ['a risk_item that is a JSON array', { risk_item: '[1]' }, 'risk_item'],
    ['a risk_item array', { risk_item: [1] }, 'risk_item'],
    ['no risk_item', { risk_item: undefined }, 'risk_item'],
    ['a bad id_type', { id_type: '1' }, 'id_type'],
    ['a bad id_no', { id_no: '123' }, 'id_no'],
    ['a bad valid_order', { valid_order: 0 }, 'valid_order'],
    ['a bad dt_order', { dt_order: '20170230225700' }, 'dt_order'],
    ['a bad timestamp', { timestamp: 'now' }, 'timestamp'],
    ['a timestamp 31 minutes behind', { timestamp: '20170801222614' }, 'timestamp'],
    ['a timestamp 31 minutes ahead', { timestamp: '20170801232814' }, 'timestamp'],
    ['a timestamp years off', { timestamp: '20200101000000' }, 'timestamp'],
    ['an amount with one decimal', { money_order: '5.1' }, 'money_order'],
    ['an amount without decimals', { money_order: '5' }, 'money_order'],
    ['a long user_id', { user_id: 'u'.repeat(33) }, 'user_id'],
    ['a masked card_no', { card_no: '403392******1234' }, 'card_no'],
  ])('refuses %s, naming the field', (_name, change, field) => {
    expect(failure(() => buildWebPaymentForm({ ...input, ...change } as WebPaymentInput, merchantKeys1024().privateKey, NOW)).field).toBe(
      field,
    );
  });
});

describe('renderWebPaymentHtml', () => {
  it('renders a UTF-8 page that posts every field as a hidden input and submits itself', () => {
    const form = buildWebPaymentForm(input, merchantKeys1024().privateKey, NOW);
    const html = renderWebPaymentHtml(form, WEB_PAYMENT_URL);
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain(`<form id="lianlian-pay" method="post" action="${WEB_PAYMENT_URL}"`);
    expect(html.match(/<input type="hidden"/g)).toHaveLength(Object.keys(form).length);
    expect(html).toContain('value="钢笔"');
    expect(html).toContain(`name="sign" value="${form.sign}"`);
    expect(html).toContain('.submit()');
    expect(html).toMatch(/<noscript><button type="submit">/);
  });

  it('escapes hostile values, names and the action', () => {
    const html = renderWebPaymentHtml(
      { name_goods: '"><script>alert(1)</script>', "x'y": `a&b<c>'d"`, risk_item: '{"a":"<b>"}' },
      'https://pay.example/?a=1&b="2"',
    );
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(html).toContain('name="x&#39;y" value="a&amp;b&lt;c&gt;&#39;d&quot;"');
    expect(html).toContain('value="{&quot;a&quot;:&quot;&lt;b&gt;&quot;}"');
    expect(html).toContain('action="https://pay.example/?a=1&amp;b=&quot;2&quot;"');
    expect(html.match(/<script>/g)).toHaveLength(1);
  });
});

describe('notifications', () => {
  const notification = {
    oid_partner: OID,
    sign_type: 'RSA',
    no_order: 'ORD-1',
    dt_order: '20170801225700',
    oid_paybill: '2017080112345678',
    money_order: '5.10',
    result_pay: 'SUCCESS',
    settle_date: '20170801',
    info_order: '',
    pay_type: 'F',
    bank_code: '01020000',
    no_agree: '2015090900197005',
  };

  it('reads and verifies an async notification (raw JSON)', () => {
    const raw = JSON.stringify(signFields(notification, lianlianKeys1024().privateKey));
    const read = readAsyncNotification(raw, lianlianKeys1024().publicKey);
    expect(read).toMatchObject({
      valid: true,
      reason: 'ok',
      no_order: 'ORD-1',
      money_order: '5.10',
      result_pay: 'SUCCESS',
      info_order: '',
      ret_code: null,
    });
    expect(read.signString).not.toContain('info_order');
    expect(read.fields).not.toHaveProperty('sign');
  });

  it('flags a forged or altered async notification as invalid', () => {
    const signed = signFields(notification, lianlianKeys1024().privateKey);
    expect(readAsyncNotification(JSON.stringify({ ...signed, money_order: '0.01' }), lianlianKeys1024().publicKey)).toMatchObject({
      valid: false,
      reason: 'mismatch',
      money_order: '0.01',
    });
    const forged = JSON.stringify(signFields(notification, merchantKeys1024().privateKey));
    expect(readAsyncNotification(forged, lianlianKeys1024().publicKey)).toMatchObject({ valid: false, reason: 'mismatch' });
    expect(readAsyncNotification(JSON.stringify(notification), lianlianKeys1024().publicKey)).toMatchObject({
      valid: false,
      reason: 'no_sign',
    });
  });

  it('refuses an async body that is not a JSON object', () => {
    expect(failure(() => readAsyncNotification('oid_partner=1', lianlianKeys1024().publicKey)).code).toBe('LLRECON_INVALID_JSON');
    expect(failure(() => readAsyncNotification('[1]', lianlianKeys1024().publicKey)).code).toBe('LLRECON_NOT_AN_OBJECT');
  });

  it('flags a number in an async body as non_string', () => {
    const raw = JSON.stringify(signFields(notification, lianlianKeys1024().privateKey)).replace(
      '"money_order":"5.10"',
      '"money_order":5.10',
    );
    expect(readAsyncNotification(raw, lianlianKeys1024().publicKey)).toMatchObject({
      valid: false,
      reason: 'non_string',
      money_order: '5.10',
    });
  });

  it('reads and verifies a return (form) notification', () => {
    const form = signFields({ ...notification, ret_code: '0000', ret_msg: '交易成功' }, lianlianKeys1024().privateKey);
    expect(readReturnNotification(form, lianlianKeys1024().publicKey)).toMatchObject({
      valid: true,
      ret_code: '0000',
      ret_msg: '交易成功',
      oid_paybill: '2017080112345678',
    });
    expect(readReturnNotification({ ...form, no_order: 'ORD-2' }, lianlianKeys1024().publicKey).valid).toBe(false);
    expect(readReturnNotification({ ...form, no_order: ['ORD-1', 'ORD-2'] } as never, lianlianKeys1024().publicKey).reason).toBe(
      'non_string',
    );
  });

  it('the acknowledgement is the documented one', () => {
    expect(JSON.stringify(NOTIFY_ACK)).toBe('{"ret_code":"0000","ret_msg":"交易成功"}');
  });
});
