// The simulator as strict as LianLian, over real loopback HTTP: its checks in LianLian's order, unsigned error
// answers, "no record" signed or not, the Verify API's tokens and codes and both settle spellings, and the answer
// faults (swapped, another merchant, stale, another dt_order or oid_paybill) — read by llrecon's Verify client too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VerifyClient } from '../src/clients/verify-client.js';
import { generateKeyPair, importPrivateKey, publicKeyOf, type PrivateKey } from '../src/lianlian/keys.js';
import { signFields, verifyBody } from '../src/lianlian/signature.js';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { buildWebPaymentForm } from '../src/lianlian/web-payment.js';
import { LianLianSimulator } from '../src/sandbox/simulator.js';
import type { Step } from '../src/sandbox/timeline.js';
import { lianlianKeys1024, merchantKeys1024 } from './support/keys.js';

const OID = '201408071000001543';
const OTHER_OID = '201408071000002222';
const T0 = Date.parse('2026-03-01T04:00:00Z');
const DT = formatLianLianTime(T0);

let clock = T0;
let sim: LianLianSimulator;
let otherKey: PrivateKey;
let seq = 0;

beforeAll(async () => {
  otherKey = importPrivateKey(generateKeyPair(1024).privatePem);
  sim = new LianLianSimulator({
    lianlianPrivateKey: lianlianKeys1024().privateKey,
    merchants: [
      { oid_partner: OID, publicKey: merchantKeys1024().publicKey },
      { oid_partner: OTHER_OID, publicKey: publicKeyOf(otherKey) },
    ],
    seed: 99,
    now: () => clock,
  });
  await sim.start();
});
afterAll(async () => sim?.stop());

const newNo = (): string => `LL${Date.now()}${seq++}`;

function addOrder(steps: Step[], extra: Record<string, unknown> = {}): string {
  const no = newNo();
  sim.addOrder({ oid_partner: OID, no_order: no, dt_order: DT, money_order: '100.00', timeline: steps, ...extra });
  return no;
}

async function post(url: string, body: string, type = 'application/json;charset=utf-8'): Promise<string> {
  return (await fetch(url, { method: 'POST', headers: { 'content-type': type }, body })).text();
}

function signed(fields: Record<string, string>, key: PrivateKey = merchantKeys1024().privateKey): string {
  return JSON.stringify(signFields(fields, key));
}

const queryFields = (over: Record<string, string> = {}): Record<string, string> => ({
  oid_partner: OID,
  sign_type: 'RSA',
  api_version: '1.0',
  pay_type: 'F',
  dt_order: DT,
  ...over,
});

async function query(over: Record<string, string>): Promise<Record<string, string>> {
  return JSON.parse(await post(sim.queryUrl, signed(queryFields(over)))) as Record<string, string>;
}

/** A body that verifies with the simulator's LianLian key, as JSON. */
function genuine(text: string): Record<string, string> {
  expect(verifyBody(text, lianlianKeys1024().publicKey).reason).toBe('ok');
  return JSON.parse(text) as Record<string, string>;
}

describe("LianLian's checks, in LianLian's order", () => {
  it('the first failing check decides the code; every error answer is unsigned', async () => {
    const no = addOrder([{ code: 'PR07' }]);
    const stranger = importPrivateKey(generateKeyPair(1024).privatePem);
    const cases: Array<[string, string, string]> = [
      // a wrong signature wins over every field problem
      [signed(queryFields({ no_order: no, api_version: '2.0', pay_type: 'X', sign_type: 'MD5' }), stranger), '1001', '签名验证失败'],
      // a merchant LianLian does not know: no key to check the signature with
      [signed(queryFields({ no_order: no, oid_partner: '201408071000009999' })), '3001', '非法的商户'],
      [
        signed(queryFields({ no_order: no, api_version: '2.0', pay_type: 'X', sign_type: 'MD5' })),
        '1004',
        '商户请求参数校验错误（api_version）',
      ],
      [signed(queryFields({ no_order: no, pay_type: 'X', sign_type: 'MD5' })), '1004', '商户请求参数校验错误（pay_type）'],
      [signed(queryFields({ no_order: no, sign_type: 'MD5' })), '1004', '商户请求参数校验错误（sign_type）'],
      [signed(queryFields({ no_order: no, dt_order: '2026' })), '1004', '商户请求参数校验错误（dt_order）'],
      [`{"oid_partner":"${OID}","oid_partner":"${OID}"}`, '1012', '请求报文解析失败'],
    ];
    for (const [body, code, msg] of cases)
      expect(JSON.parse(await post(sim.queryUrl, body)), code).toEqual({ ret_code: code, ret_msg: msg });
    expect((await query({ no_order: no, pay_type: 'G' })).ret_code).toBe('PR07');
  });

  it('"no record" is unsigned by default, as LianLian sends it; signed when signNoRecord is switched on', async () => {
    expect(sim.signNoRecord).toBe(false);
    expect(await query({ no_order: 'NOSUCH2' })).toEqual({ ret_code: '8901', ret_msg: '无记录' });
    const other = addOrder([{ code: 'PR07' }]);
    expect(await query({ no_order: other, dt_order: formatLianLianTime(T0 + 1000) })).toEqual({ ret_code: '8901', ret_msg: '无记录' });
    sim.signNoRecord = true;
    try {
      expect(genuine(await post(sim.queryUrl, signed(queryFields({ no_order: 'NOSUCH1' }))))).toMatchObject({ ret_code: '8901' });
    } finally {
      sim.signNoRecord = false;
    }
    const own = new LianLianSimulator({ lianlianPrivateKey: lianlianKeys1024().privateKey, merchants: [], signNoRecord: true });
    expect(own.signNoRecord).toBe(true);
  });

  it('an unsigned answer of any code, as a fault', async () => {
    const no = addOrder([{ code: 'PR07' }]);
    sim.injectFault({ kind: 'unsigned', code: '8901' }, { times: 1, no_order: no });
    sim.injectFault({ kind: 'unsigned', code: '1008' }, { times: 1, no_order: no });
    expect(await query({ no_order: no })).toEqual({ ret_code: '8901', ret_msg: '无记录' });
    expect(await query({ no_order: no })).toEqual({ ret_code: '1008', ret_msg: '商户请求IP错误' });
    expect(genuine(JSON.stringify(await query({ no_order: no })))).toMatchObject({ ret_code: 'PR07' });
    expect(() => sim.injectFault({ kind: 'unsigned', code: '' })).toThrow(expect.objectContaining({ field: 'code' }));
  });
});

describe('answer faults: genuine signed answers about something else', () => {
  it('swapped: the signed answer about another order of the merchant, counting on neither timeline', async () => {
    const mine = addOrder([{ code: 'PR07', after: { queries: 1 } }, { code: 'PR11' }]);
    const theirs = addOrder([{ code: 'PR14' }]);
    sim.injectFault({ kind: 'swapped', no_order: theirs }, { times: 1, no_order: mine });
    const a = genuine(await post(sim.queryUrl, signed(queryFields({ no_order: mine }))));
    expect(a).toMatchObject({ ret_code: 'PR14', no_order: theirs, oid_partner: OID });
    expect(sim.order(mine)).toBe('PR07'); // not an answer about it: its timeline did not move
    expect(genuine(JSON.stringify(await query({ no_order: mine })))).toMatchObject({ ret_code: 'PR07', no_order: mine });
    // by default another order of the same merchant
    sim.injectFault({ kind: 'swapped' }, { times: 1, no_order: mine });
    const b = genuine(JSON.stringify(await query({ no_order: mine })));
    expect(b.no_order).not.toBe(mine);
    expect(b.oid_partner).toBe(OID);
  });

  it('swapped when the simulator knows no other order: a made-up no_order', async () => {
    const own = new LianLianSimulator({
      lianlianPrivateKey: lianlianKeys1024().privateKey,
      merchants: [{ oid_partner: OID, publicKey: merchantKeys1024().publicKey }],
      now: () => clock,
    });
    await own.start();
    try {
      own.addOrder({ oid_partner: OID, no_order: 'ONLY1', dt_order: DT, money_order: '1.00', timeline: [{ code: 'PR07' }] });
      own.injectFault({ kind: 'swapped' });
      const a = genuine(await post(own.queryUrl, signed(queryFields({ no_order: 'ONLY1' }))));
      expect(a).toMatchObject({ ret_code: 'PR07', no_order: 'ONLY2' });
    } finally {
      await own.stop();
    }
  });

  it("another merchant's answer, another dt_order, another oid_paybill: the order's state, signed, naming another", async () => {
    const no = addOrder([{ code: 'PR11' }]);
    const own = genuine(JSON.stringify(await query({ no_order: no })));
    const plan: Array<[Parameters<LianLianSimulator['injectFault']>[0], Record<string, string>]> = [
      [{ kind: 'otherMerchant' }, { oid_partner: OTHER_OID }],
      [{ kind: 'otherMerchant', oid_partner: '201408071000003333' }, { oid_partner: '201408071000003333' }],
      [{ kind: 'otherDtOrder' }, { dt_order: formatLianLianTime(T0 + 1000) }],
      [{ kind: 'otherDtOrder', dt_order: '20250101000000' }, { dt_order: '20250101000000' }],
      [{ kind: 'otherPaybill', oid_paybill: '2026030100000001' }, { oid_paybill: '2026030100000001' }],
    ];
    for (const [fault, changed] of plan) {
      sim.injectFault(fault, { times: 1, no_order: no });
      const a = genuine(JSON.stringify(await query({ no_order: no })));
      expect(a, fault.kind).toMatchObject({ ...own, ...changed, sign: a.sign });
    }
    sim.injectFault({ kind: 'otherPaybill' }, { times: 1, no_order: no });
    const a = genuine(JSON.stringify(await query({ no_order: no })));
    expect(a.oid_paybill).toMatch(/^\d{16}$/);
    expect(a.oid_paybill).not.toBe(own.oid_paybill);
    expect(a).toMatchObject({ ret_code: 'PR11', no_order: no, oid_partner: OID, dt_order: DT });
  });

  it('stale: an earlier state of the order (PR07 after PR11 was answered), by default the last code answered before', async () => {
    const no = addOrder([{ code: 'PR07', after: { queries: 1 } }, { code: 'PR11' }]);
    expect((await query({ no_order: no })).ret_code).toBe('PR07');
    expect((await query({ no_order: no })).ret_code).toBe('PR11');
    sim.injectFault({ kind: 'stale' }, { times: 2, no_order: no });
    for (let i = 0; i < 2; i++)
      expect(genuine(JSON.stringify(await query({ no_order: no })))).toMatchObject({ ret_code: 'PR07', no_order: no });
    sim.injectFault({ kind: 'stale', code: '2003' }, { times: 1, no_order: no });
    expect((await query({ no_order: no })).ret_code).toBe('2003');
    expect((await query({ no_order: no })).ret_code).toBe('PR11');
    // an order with nothing answered before has no earlier state: the fault leaves its answer as it is
    const fresh = addOrder([{ code: '2003' }]);
    sim.injectFault({ kind: 'stale' }, { times: 1, no_order: fresh });
    expect((await query({ no_order: fresh })).ret_code).toBe('2003');
    expect(sim.queryCount(no)).toBe(6);
  });

  it('leave error answers alone, and refuse nonsense values', async () => {
    sim.injectFault({ kind: 'swapped' }, { times: 1, no_order: 'NOSUCH3' });
    expect(await query({ no_order: 'NOSUCH3' })).toEqual({ ret_code: '8901', ret_msg: '无记录' });
    const bad: Array<[Parameters<LianLianSimulator['injectFault']>[0], string]> = [
      [{ kind: 'otherMerchant', oid_partner: '12' }, 'oid_partner'],
      [{ kind: 'otherDtOrder', dt_order: 'today' }, 'dt_order'],
      [{ kind: 'otherPaybill', oid_paybill: 'x' }, 'oid_paybill'],
      [{ kind: 'swapped', no_order: '' }, 'no_order'],
      [{ kind: 'stale', code: '' }, 'code'],
    ];
    for (const [fault, field] of bad) expect(() => sim.injectFault(fault)).toThrow(expect.objectContaining({ field }));
  });
});

describe('the Verify API, with the tokens and SMS codes of the apply step', () => {
  const body = (no: string, token: string, verify_code: string, key: PrivateKey = merchantKeys1024().privateKey, oid = OID) =>
    signed(
      {
        oid_partner: oid,
        sign_type: 'RSA',
        api_version: '1.0',
        user_id: 'u1',
        token,
        verify_code,
        no_order: no,
        time_stamp: formatLianLianTime(clock),
      },
      key,
    );
  const verify = async (no: string, token: string, code: string) => JSON.parse(await post(sim.verifyUrl, body(no, token, code))) as object;

  it('a wrong code is an unsigned 4009; a code older than 10 minutes 1901; a token older than 30 minutes or not the order’s 1000', async () => {
    const no = addOrder([{ code: 'PR07' }]);
    const { token, verify_code } = sim.issueVerification(no);
    expect(token).toMatch(/^[0-9A-F]{32}$/);
    expect(verify_code).toMatch(/^\d{6}$/);
    const wrong = verify_code === '000000' ? '111111' : '000000';
    expect(await verify(no, token, wrong)).toEqual({ ret_code: '4009', ret_msg: '短信验证码错误' });
    expect(await verify(no, 'NOT-ISSUED', verify_code)).toEqual({ ret_code: '1000', ret_msg: '支付授权令牌失效或错误' });
    const other = addOrder([{ code: 'PR07' }]);
    expect(await verify(other, token, verify_code)).toEqual({ ret_code: '1000', ret_msg: '支付授权令牌失效或错误' });
    clock += 10 * 60_000 + 1;
    try {
      expect(await verify(no, token, verify_code)).toEqual({ ret_code: '1901', ret_msg: '短信码已失效' });
      clock += 20 * 60_000;
      expect(await verify(no, token, verify_code)).toEqual({ ret_code: '1000', ret_msg: '支付授权令牌失效或错误' });
    } finally {
      clock = T0;
    }
    expect(genuine(await post(sim.verifyUrl, body(no, token, verify_code)))).toMatchObject({ ret_code: '0000', result_pay: 'SUCCESS' });
  });

  it('answers the result_pay the token was issued with, and spells the settle fields both ways', async () => {
    const no = addOrder([{ code: 'PR07' }], { money_order: '31.68' });
    const processing = sim.issueVerification(no, { result_pay: 'PROCESSING' });
    expect(genuine(await post(sim.verifyUrl, body(no, processing.token, processing.verify_code)))).toMatchObject({
      result_pay: 'PROCESSING',
    });
    const issued = sim.issueVerification(no);
    const spellings = new Set<string>();
    for (let i = 0; i < 16; i++) {
      const a = genuine(await post(sim.verifyUrl, body(no, issued.token, issued.verify_code)));
      spellings.add(a.money_sellte === undefined ? 'settle' : 'sellte');
      expect(a.money_settle ?? a.money_sellte).toBe('31.47');
      expect(a.currency_settle ?? a.currency_sellte).toBe('USD');
    }
    expect([...spellings].sort()).toEqual(['sellte', 'settle']);
  });

  it("llrecon's Verify client: 4009 and the answer faults are errors, PROCESSING and money_sellte are read", async () => {
    const own = new LianLianSimulator({
      lianlianPrivateKey: lianlianKeys1024().privateKey,
      merchants: [{ oid_partner: OID, publicKey: merchantKeys1024().publicKey }],
      settleSpelling: 'sellte',
    });
    await own.start();
    const client = new VerifyClient({
      url: own.verifyUrl,
      oidPartner: OID,
      privateKey: merchantKeys1024().privateKey,
      lianlianPublicKey: lianlianKeys1024().publicKey,
      timeoutMs: 2_000,
    });
    try {
      const dt = formatLianLianTime(Date.now());
      for (const no of ['VC1', 'VC2'])
        own.addOrder({ oid_partner: OID, no_order: no, dt_order: dt, money_order: '31.68', timeline: [{ code: 'PR07' }] });
      const { token, verify_code } = own.issueVerification('VC1', { result_pay: 'PROCESSING' });
      const input = { user_id: 'u1', token, verify_code, no_order: 'VC1' };
      expect(await client.verify(input)).toMatchObject({
        ok: true,
        result_pay: 'PROCESSING',
        money_settle: '31.47',
        currency_settle: 'USD',
      });
      await expect(client.verify({ ...input, verify_code: verify_code === '000000' ? '111111' : '000000' })).rejects.toMatchObject({
        code: 'LLRECON_UNSIGNED_ANSWER',
        retCode: '4009',
      });
      own.injectFault({ kind: 'swapped' }, { times: 1 });
      await expect(client.verify(input)).rejects.toMatchObject({ code: 'LLRECON_ANSWER_MISMATCH', field: 'no_order' });
      own.injectFault({ kind: 'otherMerchant' }, { times: 1 });
      await expect(client.verify(input)).rejects.toMatchObject({ code: 'LLRECON_ANSWER_MISMATCH', field: 'oid_partner' });
      // a time_stamp LianLian would refuse never leaves
      const before = own.requestCount;
      await expect(client.verify({ ...input, time_stamp: formatLianLianTime(Date.now() - 31 * 60_000) })).rejects.toMatchObject({
        code: 'LLRECON_INVALID_FIELD',
        field: 'time_stamp',
      });
      expect(own.requestCount).toBe(before);
    } finally {
      client.close();
      await own.stop();
    }
  });
});

describe('the WEB Payment cashier', () => {
  const form = (no: string, over: Record<string, string> = {}) => {
    const fields = buildWebPaymentForm(
      {
        oid_partner: OID,
        user_id: 'u1',
        busi_partner: '101001',
        no_order: no,
        dt_order: DT,
        name_goods: '羽毛球',
        money_order: '12.30',
        notify_url: 'http://127.0.0.1:9/notify',
        url_return: 'http://127.0.0.1:9/return',
        userreq_ip: '127_0_0_1',
        pay_type: 'F',
        risk_item: { frms_ware_category: '1999' },
      },
      merchantKeys1024().privateKey,
      clock,
    );
    const { sign: _sign, ...rest } = fields;
    return new URLSearchParams(
      Object.keys(over).length === 0 ? fields : signFields({ ...rest, ...over }, merchantKeys1024().privateKey),
    ).toString();
  };
  const submit = (body: string) =>
    fetch(sim.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

  it('refuses a field sent twice, a wrong version, and a failed authorization gets no url_return', async () => {
    const no = newNo();
    const twice = await submit(`${form(no)}&no_order=${no}`);
    expect(twice.status).toBe(400);
    expect(await twice.text()).toContain('商户请求参数校验错误（no_order）');
    const unsigned = new URLSearchParams(form(no));
    unsigned.delete('sign');
    expect(await (await submit(unsigned.toString())).text()).toContain('1001');
    expect(await (await submit(form(no, { version: '2.0' }))).text()).toContain('商户请求参数校验错误（version）');
    expect(await (await submit(form(no, { timestamp: formatLianLianTime(clock - 31 * 60_000) }))).text()).toContain('（timestamp）');
    expect(sim.order(no)).toBeNull();
    const ok = await submit(form(no));
    expect(ok.status).toBe(200);
    sim.setCode(no, 'PR10');
    const failed = await (await submit(form(no))).text();
    expect(failed).toContain(no);
    expect(failed).not.toContain('/return');
    sim.setCode(no, 'PR11');
    expect(await (await submit(form(no))).text()).toContain('action="http://127.0.0.1:9/return"');
  });
});
