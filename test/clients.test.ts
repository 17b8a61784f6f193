// The typed clients against the LianLian simulator over real loopback HTTP: every fault becomes its typed
// error, and one call is one request (the simulator counts: nothing is retried behind the queue's back).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeHttpClient, createHttpClient } from '../src/clients/http.js';
import { PreauthQueryClient } from '../src/clients/preauth-query-client.js';
import { VerifyClient } from '../src/clients/verify-client.js';
import { LlreconError, type ErrorCode } from '../src/errors.js';
import { generateKeyPair, importPrivateKey } from '../src/lianlian/keys.js';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { LianLianSimulator } from '../src/sandbox/simulator.js';
import { lianlianKeys1024, merchantKeys1024 } from './support/keys.js';

const OID = '201408071000001543';
const TIMEOUT_MS = 400;
const DT = formatLianLianTime(Date.now());

let sim: LianLianSimulator;
let client: PreauthQueryClient;
let seq = 0;

beforeAll(async () => {
  sim = new LianLianSimulator({
    lianlianPrivateKey: lianlianKeys1024().privateKey,
    merchants: [{ oid_partner: OID, publicKey: merchantKeys1024().publicKey }],
    seed: 7,
  });
  await sim.start({ host: '127.0.0.1', port: 0 });
  client = new PreauthQueryClient({
    url: sim.queryUrl,
    oidPartner: OID,
    privateKey: merchantKeys1024().privateKey,
    lianlianPublicKey: lianlianKeys1024().publicKey,
    timeoutMs: TIMEOUT_MS,
  });
});
afterAll(async () => {
  client?.close();
  await sim?.stop();
});

function order(code = 'PR07', money = '66.60'): string {
  const no = `CL${Date.now()}${seq++}`;
  sim.addOrder({ oid_partner: OID, no_order: no, dt_order: DT, money_order: money, timeline: [{ code }] });
  return no;
}

/** The LlreconError a call fails with, checking that it made exactly one request. */
async function failure(
  no: string,
  expected: ErrorCode,
  call: () => Promise<unknown> = () => client.query({ no_order: no, dt_order: DT }),
): Promise<LlreconError> {
  const before = sim.requestCount;
  let caught: unknown = null;
  try {
    await call();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(LlreconError);
  const err = caught as LlreconError;
  expect(err.code).toBe(expected);
  await new Promise((r) => setTimeout(r, 100)); // room for a retry to show up, if there were one
  expect(sim.requestCount - before).toBe(1);
  return err;
}

describe('PreauthQueryClient', () => {
  it('returns the verified answer', async () => {
    const no = order('PR07', '66.60');
    const a = await client.query({ no_order: no, dt_order: DT, oid_paybill: null, pay_type: 'F' });
    expect(a).toMatchObject({
      ret_code: 'PR07',
      ret_msg: '预授权成功',
      oid_partner: OID,
      no_order: no,
      dt_order: DT,
      money_order: '66.60',
    });
    expect(a.oid_paybill).toMatch(/^\d{16}$/);
    // the oid_paybill LianLian gave is sent back, and matches
    const again = await client.query({ no_order: no, dt_order: DT, oid_paybill: a.oid_paybill });
    expect(again.ret_code).toBe('PR07');
    expect(sim.queryCount(no)).toBe(2);
  });

  it('an unsigned 8901 (as LianLian sends it) for an order LianLian does not know: LLRECON_UNSIGNED_ANSWER carrying it; a signed one is an answer', async () => {
    await expect(client.query({ no_order: 'CLNOSUCHORDER', dt_order: DT })).rejects.toMatchObject({
      code: 'LLRECON_UNSIGNED_ANSWER',
      retCode: '8901',
    });
    sim.signNoRecord = true;
    try {
      expect(await client.query({ no_order: 'CLNOSUCHORDER', dt_order: DT })).toMatchObject({ ret_code: '8901', ret_msg: '无记录' });
    } finally {
      sim.signNoRecord = false;
    }
  });

  it("a rate-cap slot's deadline: sent before it, the answer; past it, LLRECON_SLOT_EXPIRED and nothing leaves", async () => {
    const no = order('PR07');
    const request = client.sign({ no_order: no, dt_order: DT });
    const before = sim.requestCount;
    await expect(client.send(request, { sendBy: performance.now() - 1 })).rejects.toMatchObject({ code: 'LLRECON_SLOT_EXPIRED' });
    expect(sim.requestCount).toBe(before);
    expect(sim.queryCount(no)).toBe(0);
    const a = await client.send(request, { sendBy: performance.now() + 10_000 });
    expect(a.ret_code).toBe('PR07');
    expect(sim.queryCount(no)).toBe(1);
  });

  it('latency under the timeout: the answer', async () => {
    const no = order('PR12');
    sim.injectFault({ kind: 'latency', ms: TIMEOUT_MS / 4 }, { times: 1, no_order: no });
    expect((await client.query({ no_order: no, dt_order: DT })).ret_code).toBe('PR12');
  });

  it('a stall past the timeout: LLRECON_TIMEOUT, once', async () => {
    const no = order();
    sim.injectFault({ kind: 'stall' }, { times: 1, no_order: no });
    const err = await failure(no, 'LLRECON_TIMEOUT');
    expect(err.message).toContain(`${TIMEOUT_MS} ms`);
    expect(sim.queryCount(no)).toBe(1);
  });

  it('5xx: LLRECON_HTTP_STATUS naming the status, once', async () => {
    const no = order();
    sim.injectFault({ kind: 'http5xx', status: 502 }, { times: 1, no_order: no });
    expect((await failure(no, 'LLRECON_HTTP_STATUS')).message).toContain('502');
  });

  it("an unsigned 9999: LLRECON_UNSIGNED_ANSWER carrying LianLian's code and message", async () => {
    const no = order();
    sim.injectFault({ kind: 'unsigned9999' }, { times: 1, no_order: no });
    const err = await failure(no, 'LLRECON_UNSIGNED_ANSWER');
    expect(err.retCode).toBe('9999');
    expect(err.retMsg).toBe('系统错误');
  });

  it('malformed JSON: LLRECON_UNPARSEABLE_ANSWER', async () => {
    const no = order();
    sim.injectFault({ kind: 'malformed' }, { times: 1, no_order: no });
    await failure(no, 'LLRECON_UNPARSEABLE_ANSWER');
  });

  it('a wrong signature: LLRECON_BAD_ANSWER_SIGNATURE', async () => {
    const no = order('PR11');
    sim.injectFault({ kind: 'badSignature' }, { times: 1, no_order: no });
    await failure(no, 'LLRECON_BAD_ANSWER_SIGNATURE');
  });

  it('signing with a key LianLian does not know: unsigned 1001, carried by the error', async () => {
    const no = order();
    const stranger = new PreauthQueryClient({
      url: sim.queryUrl,
      oidPartner: OID,
      privateKey: importPrivateKey(generateKeyPair(1024).privatePem),
      lianlianPublicKey: lianlianKeys1024().publicKey,
      timeoutMs: TIMEOUT_MS,
    });
    try {
      const err = await failure(no, 'LLRECON_UNSIGNED_ANSWER', () => stranger.query({ no_order: no, dt_order: DT }));
      expect(err.retCode).toBe('1001');
      expect(err.retMsg).toBe('签名验证失败');
    } finally {
      stranger.close();
    }
  });

  it('nobody listening: LLRECON_TRANSPORT', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const lost = new PreauthQueryClient({
      url: `http://127.0.0.1:${port}/preauthquery.htm`,
      oidPartner: OID,
      privateKey: merchantKeys1024().privateKey,
      lianlianPublicKey: lianlianKeys1024().publicKey,
      timeoutMs: TIMEOUT_MS,
    });
    try {
      await expect(lost.query({ no_order: 'X', dt_order: DT })).rejects.toMatchObject({ code: 'LLRECON_TRANSPORT' });
    } finally {
      lost.close();
    }
  });

  it('a shared HTTP client serves several API clients and outlives their close()', async () => {
    const http = createHttpClient({ timeoutMs: TIMEOUT_MS });
    const opts = {
      url: sim.queryUrl,
      oidPartner: OID,
      privateKey: merchantKeys1024().privateKey,
      lianlianPublicKey: lianlianKeys1024().publicKey,
      timeoutMs: TIMEOUT_MS,
      http,
    };
    const a = new PreauthQueryClient(opts);
    const b = new PreauthQueryClient(opts);
    const no = order('PR15');
    expect((await a.query({ no_order: no, dt_order: DT })).ret_code).toBe('PR15');
    a.close();
    expect((await b.query({ no_order: no, dt_order: DT })).ret_code).toBe('PR15');
    b.close();
    closeHttpClient(http);
  });
});

describe('VerifyClient', () => {
  let verify: VerifyClient;
  beforeAll(() => {
    verify = new VerifyClient({
      url: sim.verifyUrl,
      oidPartner: OID,
      privateKey: merchantKeys1024().privateKey,
      lianlianPublicKey: lianlianKeys1024().publicKey,
      timeoutMs: TIMEOUT_MS,
    });
  });
  afterAll(() => verify?.close());

  /** The payer's verification of `no`, with the token and SMS code the simulated apply step issued for it. */
  const input = (no: string, verify_code?: string) => {
    const issued = sim.issueVerification(no);
    return { user_id: 'u-1', token: issued.token, verify_code: verify_code ?? issued.verify_code, no_order: no };
  };

  it('returns the verified 0000 answer', async () => {
    const no = order('PR07', '31.68');
    const a = await verify.verify(input(no), Date.now());
    expect(a).toMatchObject({
      ret_code: '0000',
      ret_msg: '交易成功',
      ok: true,
      result_pay: 'SUCCESS',
      no_order: no,
      money_order: '31.68',
      currency_pay: 'CNY',
      money_pay: '210.99',
      money_settle: '31.47',
      currency_settle: 'USD',
    });
  });

  it('an unsigned 1004 (time_stamp 31 minutes off): LLRECON_UNSIGNED_ANSWER, once; a bad code never leaves', async () => {
    const no = order();
    expect((await failure(no, 'LLRECON_UNSIGNED_ANSWER', () => verify.verify(input(no), Date.now() - 31 * 60_000))).retCode).toBe('1004');
    const before = sim.requestCount;
    await expect(verify.verify(input(no, '12345'))).rejects.toMatchObject({ code: 'LLRECON_INVALID_FIELD', field: 'verify_code' });
    expect(sim.requestCount).toBe(before);
  });

  it('faults: timeout and bad signature', async () => {
    const no = order();
    sim.injectFault({ kind: 'stall' }, { times: 1, no_order: no });
    await failure(no, 'LLRECON_TIMEOUT', () => verify.verify(input(no)));
    sim.injectFault({ kind: 'badSignature' }, { times: 1, no_order: no });
    await failure(no, 'LLRECON_BAD_ANSWER_SIGNATURE', () => verify.verify(input(no)));
  });
});
