// The capture/void protocol (pure) and the simulator's two endpoints over real HTTP: field rules before anything
// is sent, the signed string, answers verified and bound to the order, and LianLian's checks and failure codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PreauthActionClient } from '../src/clients/preauth-action-client.js';
import { buildSignString } from '../src/lianlian/sign-string.js';
import { verifyString, signFields } from '../src/lianlian/signature.js';
import { buildPreauthCancelRequest } from '../src/lianlian/preauth-cancel.js';
import { buildPreauthCompleteRequest, readPreauthCompleteAnswer } from '../src/lianlian/preauth-complete.js';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { LianLianSimulator } from '../src/sandbox/simulator.js';
import { lianlianKeys1024, merchantKeys1024 } from './support/keys.js';

const OID = '201408071000001543';
const dt = formatLianLianTime(Date.now());
const base = { oid_partner: OID, no_order: 'ORD-1', dt_order: dt, user_id: 'payer-7', money_order: '12.50' };

describe('requests', () => {
  it('signs every field LianLian asks for; risk_item verbatim; oid_paybill and platform only when known', () => {
    const risk = '{"frms_ware_category":"4007", "user_info_mercht_userno":"u7"}';
    const r = buildPreauthCompleteRequest(
      { ...base, oid_paybill: '2026120300001234', platform: 'group', risk_item: risk },
      merchantKeys1024().privateKey,
    );
    expect(r).toMatchObject({
      ...base,
      oid_paybill: '2026120300001234',
      platform: 'group',
      risk_item: risk,
      pay_type: 'F',
      api_version: '1.0',
      sign_type: 'RSA',
    });
    const { sign, ...rest } = r;
    expect(verifyString(buildSignString(rest), sign as string, merchantKeys1024().publicKey)).toBe(true);
    const v = buildPreauthCancelRequest(base, merchantKeys1024().privateKey);
    expect(v).not.toHaveProperty('oid_paybill');
    expect(v).not.toHaveProperty('platform');
    expect(v).not.toHaveProperty('risk_item');
  });

  it('refuses, naming the field, what LianLian would refuse', () => {
    const k = merchantKeys1024().privateKey;
    const field = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as { field?: string }).field;
      }
      return null;
    };
    expect(field(() => buildPreauthCompleteRequest({ ...base, money_order: '12.5' }, k))).toBe('money_order');
    expect(field(() => buildPreauthCompleteRequest({ ...base, user_id: 'x'.repeat(33) }, k))).toBe('user_id');
    expect(field(() => buildPreauthCancelRequest({ ...base, user_id: undefined as unknown as string }, k))).toBe('user_id');
    expect(field(() => buildPreauthCompleteRequest({ ...base, risk_item: 'not json' }, k))).toBe('risk_item');
    expect(field(() => buildPreauthCompleteRequest({ ...base, oid_paybill: 'abc' }, k))).toBe('oid_paybill');
  });
});

describe('answers', () => {
  const answer = (fields: Record<string, string>) =>
    JSON.stringify(signFields({ sign_type: 'RSA', ...fields }, lianlianKeys1024().privateKey));
  const ids = { oid_partner: OID, no_order: 'ORD-1', dt_order: dt, oid_paybill: '2026120300001234', money_order: '12.50' };

  it('a signed answer about this order is read', () => {
    const a = readPreauthCompleteAnswer(
      answer({ ret_code: '0000', ret_msg: '交易成功', ...ids, settle_date: dt.slice(0, 8) }),
      lianlianKeys1024().publicKey,
      ids,
    );
    expect(a).toMatchObject({ ok: true, ret_code: '0000', money_order: '12.50', oid_paybill: ids.oid_paybill });
  });

  it('an answer about another order, merchant, payment or amount, or not signed by LianLian, is not believed', () => {
    const key = lianlianKeys1024().publicKey;
    const code = (raw: string) => {
      try {
        readPreauthCompleteAnswer(raw, key, ids);
      } catch (e) {
        return `${(e as { code: string }).code}${(e as { field?: string }).field ? `:${(e as { field: string }).field}` : ''}`;
      }
      return 'believed';
    };
    expect(code(answer({ ret_code: '0000', ret_msg: 'x', ...ids, no_order: 'ORD-2' }))).toBe('LLRECON_ANSWER_MISMATCH:no_order');
    expect(code(answer({ ret_code: '0000', ret_msg: 'x', ...ids, oid_partner: '201408071000009999' }))).toBe(
      'LLRECON_ANSWER_MISMATCH:oid_partner',
    );
    expect(code(answer({ ret_code: '0000', ret_msg: 'x', ...ids, oid_paybill: '1' }))).toBe('LLRECON_ANSWER_MISMATCH:oid_paybill');
    expect(code(answer({ ret_code: '0000', ret_msg: 'x', ...ids, money_order: '99.00' }))).toBe('LLRECON_ANSWER_MISMATCH:money_order');
    expect(code(JSON.stringify({ ret_code: '0000', ret_msg: 'x', ...ids }))).toBe('LLRECON_UNSIGNED_ANSWER');
    const stranger = JSON.stringify(signFields({ sign_type: 'RSA', ret_code: '0000', ...ids }, merchantKeys1024().privateKey));
    expect(code(stranger)).toBe('LLRECON_BAD_ANSWER_SIGNATURE');
  });
});

describe("the simulator's capture and void", () => {
  let sim: LianLianSimulator;
  let client: PreauthActionClient;
  const order = (no: string, code = 'PR07') => {
    sim.addOrder({ oid_partner: OID, no_order: no, dt_order: dt, money_order: '50.00', timeline: [{ code }] });
    return { no_order: no, dt_order: dt, oid_paybill: null, pay_type: 'F' as const, platform: null, user_id: 'payer' };
  };

  beforeAll(async () => {
    sim = new LianLianSimulator({
      lianlianPrivateKey: lianlianKeys1024().privateKey,
      merchants: [{ oid_partner: OID, publicKey: merchantKeys1024().publicKey }],
    });
    await sim.start();
    client = new PreauthActionClient({
      traderUrl: sim.traderUrl,
      oidPartner: OID,
      privateKey: merchantKeys1024().privateKey,
      lianlianPublicKey: lianlianKeys1024().publicKey,
      timeoutMs: 2000,
    });
  });
  afterAll(async () => {
    client.close();
    await sim.stop();
  });

  it('a capture moves the order PR12 then PR11; a void PR15 then PR14', async () => {
    const c = order('SIM-C');
    expect(await client.send(client.sign('capture', c, '20.00'))).toMatchObject({ ok: true, money_order: '20.00' });
    expect(sim.order('SIM-C')).toBe('PR12');
    const v = order('SIM-V');
    expect((await client.send(client.sign('void', v, '50.00'))).ok).toBe(true);
    expect(sim.order('SIM-V')).toBe('PR15');
    expect(sim.actions.capturedAmount('SIM-C')).toBe('20.00');
  });

  it("refuses as LianLian would: amounts, states, another merchant's key", async () => {
    const o = order('SIM-R');
    await expect(client.send(client.sign('capture', o, '50.01'))).rejects.toMatchObject({
      code: 'LLRECON_UNSIGNED_ANSWER',
      retCode: '1004',
    });
    await expect(client.send(client.sign('void', o, '10.00'))).rejects.toMatchObject({ code: 'LLRECON_UNSIGNED_ANSWER', retCode: '1004' });
    const early = order('SIM-E', '2003');
    expect(await client.send(client.sign('capture', early, '1.00'))).toMatchObject({ ok: false, ret_code: '9970' });
    const wrongKey = new PreauthActionClient({
      traderUrl: sim.traderUrl,
      oidPartner: OID,
      privateKey: lianlianKeys1024().privateKey,
      lianlianPublicKey: lianlianKeys1024().publicKey,
      timeoutMs: 2000,
    });
    await expect(wrongKey.send(wrongKey.sign('capture', o, '1.00'))).rejects.toMatchObject({ retCode: '1001' });
    wrongKey.close();
    expect(sim.order('SIM-R')).toBe('PR07');
    expect(sim.order('SIM-E')).toBe('2003');
  });

  it('faults: a lost answer after the action took effect, a stall, a 5xx, a refusal', async () => {
    const lost = order('SIM-L');
    sim.injectActionFault({ kind: 'lost' }, { no_order: 'SIM-L', times: 1 });
    await expect(client.send(client.sign('capture', lost, '5.00'))).rejects.toMatchObject({ code: 'LLRECON_TRANSPORT' });
    expect(sim.order('SIM-L')).toBe('PR12');
    const s = order('SIM-S');
    sim.injectActionFault({ kind: 'stall' }, { no_order: 'SIM-S', times: 1 });
    await expect(client.send(client.sign('void', s, '50.00'))).rejects.toMatchObject({ code: 'LLRECON_TIMEOUT' });
    const h = order('SIM-H');
    sim.injectActionFault({ kind: 'http5xx' }, { no_order: 'SIM-H', times: 1 });
    await expect(client.send(client.sign('void', h, '50.00'))).rejects.toMatchObject({ code: 'LLRECON_HTTP_STATUS' });
    const r = order('SIM-F');
    sim.injectActionFault({ kind: 'refuse', code: '9970' }, { no_order: 'SIM-F', times: 1 });
    expect(await client.send(client.sign('capture', r, '5.00'))).toMatchObject({ ok: false, ret_code: '9970' });
    expect([sim.order('SIM-S'), sim.order('SIM-H'), sim.order('SIM-F')]).toEqual(['PR07', 'PR07', 'PR07']);
    expect(sim.actions.count('SIM-L') + sim.actions.count('SIM-S') + sim.actions.count('SIM-H') + sim.actions.count('SIM-F')).toBe(4);
  });
});
