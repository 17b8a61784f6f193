// The LianLian simulator: its pure timelines, and its HTTP behaviour over real loopback HTTP — answers,
// signatures, errors, every fault kind, asynchronous notifications, the Verify API and the WEB Payment cashier.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ensureSandboxKeys } from '../src/sandbox/keys.js';
import { isLlreconError } from '../src/errors.js';
import { exportPublicPem, generateKeyPair, importPrivateKey, importPublicKey, publicKeyOf, type PrivateKey } from '../src/lianlian/keys.js';
import { signFields, verifyBody } from '../src/lianlian/signature.js';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { buildWebPaymentForm } from '../src/lianlian/web-payment.js';
import { LianLianSimulator } from '../src/sandbox/simulator.js';
import {
  FINAL_CODES,
  answerQuery,
  currentCode,
  mulberry32,
  randomTimeline,
  settle,
  startTimeline,
  type Step,
  type Timeline,
} from '../src/sandbox/timeline.js';
import { lianlianKeys1024, merchantKeys1024 } from './support/keys.js';
import { launchTs } from './support/launch.js';

const OID = '201408071000001543';
const T0 = Date.parse('2026-03-01T04:00:00Z');

function codesOf(t: Timeline): string[] {
  return t.steps.map((s) => s.code);
}

describe('timelines (pure)', () => {
  it('move on after the given number of answered queries', () => {
    let t = startTimeline([{ code: '2003', after: { queries: 2 } }, { code: 'PR07', after: { queries: 1 } }, { code: 'PR11' }], T0);
    const answers: string[] = [];
    const entered: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = answerQuery(t, T0);
      answers.push(r.code);
      entered.push(...r.entered);
      t = r.timeline;
    }
    expect(answers).toEqual(['2003', '2003', 'PR07', 'PR11', 'PR11', 'PR11']);
    expect(entered).toEqual(['PR07', 'PR11']);
  });

  it('move on by time, each step starting when the previous ran out, however rarely observed', () => {
    const steps: Step[] = [{ code: '2003', after: { ms: 1_000 } }, { code: 'PR09', after: { ms: 2_000 } }, { code: 'PR07' }];
    const t = startTimeline(steps, T0);
    expect(currentCode(settle(t, T0 + 999).timeline)).toBe('2003');
    expect(settle(t, T0 + 1_000).entered).toEqual(['PR09']);
    // one look at 3 s crosses both boundaries; many looks get the same result
    const once = settle(t, T0 + 3_000);
    expect(once.entered).toEqual(['PR09', 'PR07']);
    let stepwise = t;
    for (let at = T0; at <= T0 + 3_000; at += 250) stepwise = settle(stepwise, at).timeline;
    expect(stepwise).toEqual(once.timeline);
    expect(currentCode(settle(t, T0 + 2_999).timeline)).toBe('PR09');
  });

  it('whichever of queries and time comes first ends a step; the last step never ends', () => {
    const steps: Step[] = [
      { code: 'PR12', after: { queries: 3, ms: 10_000 } },
      { code: 'PR11', after: { queries: 1 } },
    ];
    const byTime = settle(answerQuery(startTimeline(steps, T0), T0).timeline, T0 + 10_000);
    expect(currentCode(byTime.timeline)).toBe('PR11');
    let t = startTimeline(steps, T0);
    for (let i = 0; i < 3; i++) t = answerQuery(t, T0 + i).timeline;
    expect(currentCode(t)).toBe('PR11');
    for (let i = 0; i < 5; i++) t = answerQuery(t, T0 + 1e9).timeline;
    expect(currentCode(t)).toBe('PR11');
  });

  it('refuse steps that cannot be followed, naming the field', () => {
    const bad: Array<[Step[], string]> = [
      [[], 'timeline'],
      [[{ code: '' }], 'timeline[0].code'],
      [[{ code: 'PR07', after: { queries: 0 } }, { code: 'PR11' }], 'timeline[0].after.queries'],
      [[{ code: 'PR07' }, { code: 'PR11', after: { ms: -1 } }], 'timeline[1].after.ms'],
    ];
    for (const [steps, field] of bad) {
      try {
        startTimeline(steps, T0);
        expect.unreachable(`accepted ${JSON.stringify(steps)}`);
      } catch (err) {
        expect(isLlreconError(err, 'LLRECON_INVALID_FIELD')).toBe(true);
        expect((err as { field?: string }).field).toBe(field);
      }
    }
  });

  it('random timelines always end in a final code, reachable by time alone, for many seeds', () => {
    const lasts = new Set<string>();
    for (let seed = 1; seed <= 500; seed++) {
      const t = randomTimeline(mulberry32(seed), T0);
      const codes = codesOf(t);
      expect(codes[0]).toBe('2003');
      expect(FINAL_CODES.has(codes.at(-1) as string)).toBe(true);
      expect(codes.slice(0, -1).some((c) => FINAL_CODES.has(c))).toBe(false);
      for (const step of t.steps.slice(0, -1)) {
        expect(step.after?.ms).toBeGreaterThanOrEqual(3_000);
        expect(step.after?.ms).toBeLessThanOrEqual(120_000);
      }
      expect(currentCode(settle(t, T0 + 3_600_000).timeline)).toBe(codes.at(-1));
      lasts.add(codes.at(-1) as string);
    }
    expect([...lasts].sort()).toEqual(['2006', 'PR10', 'PR11', 'PR14']);
  });

  it('random timelines are reproducible from the seed, and mostly captured', () => {
    expect(randomTimeline(mulberry32(42), T0)).toEqual(randomTimeline(mulberry32(42), T0));
    const rng = mulberry32(7);
    const runs = Array.from({ length: 400 }, () => codesOf(randomTimeline(rng, T0)).join('>'));
    const happy = runs.filter((r) => r === '2003>PR09>PR07>PR12>PR11' || r === '2003>PR08>PR09>PR07>PR12>PR11').length;
    expect(happy).toBeGreaterThan(160);
    expect(runs.some((r) => r.includes('PR13>PR12>PR11'))).toBe(true);
    expect(runs.some((r) => r.includes('PR16>PR15>PR14'))).toBe(true);
  });
});

// ---- over HTTP --------------------------------------------------------------------------------------------

let clock = T0;
let sim: LianLianSimulator;
let merchantKey: PrivateKey;
let stranger: PrivateKey;
let seq = 0;
const DT = formatLianLianTime(T0);

beforeAll(async () => {
  merchantKey = merchantKeys1024().privateKey;
  stranger = importPrivateKey(generateKeyPair(1024).privatePem);
  sim = new LianLianSimulator({
    lianlianPrivateKey: lianlianKeys1024().privateKey,
    merchants: [{ oid_partner: OID, publicKey: merchantKeys1024().publicKey }],
    seed: 12345,
    now: () => clock,
    notifyIntervalMs: 40,
    notifyMaxAttempts: 4,
  });
  await sim.start({});
});
afterAll(async () => sim?.stop());

const newNo = (): string => `SIM${Date.now()}${seq++}`;

function queryBody(fields: Record<string, string>, key: PrivateKey = merchantKey): string {
  return JSON.stringify(
    signFields({ oid_partner: OID, sign_type: 'RSA', api_version: '1.0', pay_type: 'F', dt_order: DT, ...fields }, key),
  );
}

async function post(url: string, body: string, signal?: AbortSignal): Promise<{ status: number; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json;charset=utf-8' },
    body,
    ...(signal ? { signal } : {}),
  });
  return { status: res.status, text: await res.text() };
}

async function query(
  fields: Record<string, string>,
  key?: PrivateKey,
): Promise<{ status: number; text: string; json: Record<string, string> }> {
  const r = await post(sim.queryUrl, queryBody(fields, key));
  return { ...r, json: JSON.parse(r.text) as Record<string, string> };
}

/** A signed answer checked with the simulator's LianLian key. */
function expectSigned(text: string): Record<string, string> {
  const v = verifyBody(text, lianlianKeys1024().publicKey);
  expect(v.reason).toBe('ok');
  return JSON.parse(text) as Record<string, string>;
}

function addOrder(steps: Step[], extra: Record<string, unknown> = {}): string {
  const no = newNo();
  sim.addOrder({ oid_partner: OID, no_order: no, dt_order: DT, money_order: '100.00', timeline: steps, ...extra });
  return no;
}

describe('the pre-auth query', () => {
  it('answers a known order with its signed state, advancing its scripted timeline per query', async () => {
    const no = addOrder([{ code: '2003', after: { queries: 1 } }, { code: 'PR09', after: { queries: 2 } }, { code: 'PR07' }]);
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await query({ no_order: no });
      expect(r.status).toBe(200);
      const a = expectSigned(r.text);
      // a repeated answer (given again, not signed anew) is byte for byte the answer signed afresh
      const { sign: _sign, ...fields } = a;
      expect(r.text).toBe(JSON.stringify(signFields(fields, lianlianKeys1024().privateKey)));
      codes.push(a.ret_code as string);
      expect(a).toMatchObject({ oid_partner: OID, no_order: no, dt_order: DT, money_order: '100.00', sign_type: 'RSA' });
      expect(a.oid_paybill).toMatch(/^\d{16}$/);
    }
    expect(codes).toEqual(['2003', 'PR09', 'PR09', 'PR07', 'PR07']);
    expect(sim.queryCount(no)).toBe(5);
    expect(sim.order(no)).toBe('PR07');
  });

  it('sends Chinese ret_msg, and finds an order by oid_paybill alone', async () => {
    const no = addOrder([{ code: 'PR12' }]);
    const first = expectSigned((await query({ no_order: no })).text);
    expect(first.ret_msg).toBe('预授权完成处理中');
    const byPaybill = expectSigned((await query({ oid_paybill: first.oid_paybill as string })).text);
    expect(byPaybill).toMatchObject({ ret_code: 'PR12', no_order: no });
  });

  it('advances timelines by the clock passed in', async () => {
    const no = addOrder([{ code: '2003', after: { ms: 60_000 } }, { code: 'PR07' }]);
    expect(expectSigned((await query({ no_order: no })).text).ret_code).toBe('2003');
    clock += 60_000;
    expect(sim.order(no)).toBe('PR07');
    expect(expectSigned((await query({ no_order: no })).text).ret_code).toBe('PR07');
  });

  it('answers an unknown order (or one whose dt_order differs) with an 8901, signed when signNoRecord is on', async () => {
    expect(JSON.parse((await query({ no_order: 'NOSUCHORDER' })).text)).toEqual({ ret_code: '8901', ret_msg: '无记录' });
    sim.signNoRecord = true;
    onTestFinished(() => {
      sim.signNoRecord = false;
    });
    const unknown = await query({ no_order: 'NOSUCHORDER' });
    expect(expectSigned(unknown.text)).toMatchObject({ ret_code: '8901', ret_msg: '无记录', oid_partner: OID, no_order: 'NOSUCHORDER' });
    const no = addOrder([{ code: 'PR07' }]);
    expect(expectSigned((await query({ no_order: no, dt_order: '20260301120001' })).text).ret_code).toBe('8901');
    expect(expectSigned((await query({ oid_paybill: '1' })).text)).toMatchObject({ ret_code: '8901', oid_paybill: '1' });
    expect(sim.order(no)).toBe('PR07');
  });

  it("answers an oid_paybill that is not the order's with an unsigned 9092, without counting it", async () => {
    const no = addOrder([{ code: 'PR07', after: { queries: 1 } }, { code: 'PR11' }]);
    const r = await query({ no_order: no, oid_paybill: '1' });
    expect(r.json).toEqual({ ret_code: '9092', ret_msg: '支付单号与订单号不一致' });
    expect(sim.order(no)).toBe('PR07');
    // by no_order alone it is found; and LianLian's own oid_paybill is the order's
    const found = expectSigned((await query({ no_order: no })).text);
    expect(expectSigned((await query({ no_order: no, oid_paybill: found.oid_paybill as string })).text).ret_code).toBe('PR11');
  });

  it('refuses bad requests with unsigned errors, 1004 naming the parameter', async () => {
    const no = addOrder([{ code: 'PR07', after: { queries: 1 } }, { code: 'PR11' }]);
    const without = (name: string) => {
      const fields: Record<string, string> = {
        oid_partner: OID,
        sign_type: 'RSA',
        api_version: '1.0',
        pay_type: 'F',
        no_order: no,
        dt_order: DT,
      };
      delete fields[name];
      return JSON.stringify(signFields(fields, merchantKey));
    };
    const cases: Array<[string, string, string]> = [
      [queryBody({ no_order: no }, stranger), '1001', '签名验证失败'],
      [JSON.stringify({ oid_partner: OID, sign_type: 'RSA', no_order: no, dt_order: DT }), '1001', '签名验证失败'],
      [queryBody({ no_order: no, oid_partner: '201408071000009999' }), '3001', '非法的商户'],
      ['{"oid_partner":', '1012', '请求报文解析失败'],
      ['[1,2]', '1012', '请求报文解析失败'],
      [without('dt_order'), '1004', '商户请求参数校验错误（dt_order）'],
      [without('api_version'), '1004', '商户请求参数校验错误（api_version）'],
      [without('pay_type'), '1004', '商户请求参数校验错误（pay_type）'],
      [without('no_order'), '1004', '商户请求参数校验错误（no_order）'],
    ];
    for (const [body, code, msg] of cases) {
      const r = await post(sim.queryUrl, body);
      expect(r.status).toBe(200);
      expect(JSON.parse(r.text)).toEqual({ ret_code: code, ret_msg: msg });
    }
    // none of them counted as an answer on the order's timeline
    expect(sim.order(no)).toBe('PR07');
  });

  it('counts every request, answers 404 elsewhere and 413 for a body over 64 KiB', async () => {
    const before = sim.requestCount;
    expect((await fetch(`${sim.url}/nowhere`)).status).toBe(404);
    expect((await post(sim.queryUrl, `{"x":"${'a'.repeat(70_000)}"}`)).status).toBe(413);
    expect(sim.requestCount).toBe(before + 2);
  });
});

describe('faults', () => {
  it('latency: the real answer, late, counted on the timeline', async () => {
    const no = addOrder([{ code: 'PR09', after: { queries: 1 } }, { code: 'PR07' }]);
    sim.injectFault({ kind: 'latency', ms: 150 }, { times: 1, no_order: no });
    const t0 = performance.now();
    const r = await query({ no_order: no });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    expect(expectSigned(r.text).ret_code).toBe('PR09');
    expect(sim.order(no)).toBe('PR07');
  });

  it('stall: no answer at all, and the timeline does not move', async () => {
    const no = addOrder([{ code: 'PR09', after: { queries: 1 } }, { code: 'PR07' }]);
    sim.injectFault({ kind: 'stall' }, { times: 1, no_order: no });
    await expect(post(sim.queryUrl, queryBody({ no_order: no }), AbortSignal.timeout(300))).rejects.toThrow();
    expect(sim.queryCount(no)).toBe(1);
    expect(expectSigned((await query({ no_order: no })).text).ret_code).toBe('PR09');
  });

  it('http5xx: an HTTP error status (503 unless told), not JSON', async () => {
    const no = addOrder([{ code: 'PR07' }]);
    sim.injectFault({ kind: 'http5xx' }, { times: 1, no_order: no });
    sim.injectFault({ kind: 'http5xx', status: 502 }, { times: 1, no_order: no });
    expect((await post(sim.queryUrl, queryBody({ no_order: no }))).status).toBe(503);
    expect((await post(sim.queryUrl, queryBody({ no_order: no }))).status).toBe(502);
    expect((await post(sim.queryUrl, queryBody({ no_order: no }))).status).toBe(200);
  });

  it('unsigned9999, malformed and badSignature', async () => {
    const no = addOrder([{ code: 'PR11', after: { queries: 1 } }, { code: 'PR10' }]);
    sim.injectFault({ kind: 'unsigned9999' }, { times: 1, no_order: no });
    sim.injectFault({ kind: 'malformed' }, { times: 1, no_order: no });
    sim.injectFault({ kind: 'badSignature' }, { times: 1, no_order: no });
    expect(JSON.parse((await post(sim.queryUrl, queryBody({ no_order: no }))).text)).toEqual({ ret_code: '9999', ret_msg: '系统错误' });
    const malformed = await post(sim.queryUrl, queryBody({ no_order: no }));
    expect(malformed.status).toBe(200);
    expect(() => JSON.parse(malformed.text)).toThrow();
    expect(sim.order(no)).toBe('PR11'); // neither was an answer
    const forged = await post(sim.queryUrl, queryBody({ no_order: no }));
    expect(JSON.parse(forged.text)).toMatchObject({ ret_code: 'PR11', no_order: no });
    expect(verifyBody(forged.text, lianlianKeys1024().publicKey).reason).toBe('mismatch');
    expect(expectSigned((await query({ no_order: no })).text).ret_code).toBe('PR10');
  });

  it('hit only their order, `times` times, in the order planned; clearFaults ends unlimited ones', async () => {
    const mine = addOrder([{ code: 'PR07' }]);
    const other = addOrder([{ code: 'PR07' }]);
    sim.injectFault({ kind: 'http5xx' }, { no_order: mine });
    for (let i = 0; i < 3; i++) {
      expect((await post(sim.queryUrl, queryBody({ no_order: mine }))).status).toBe(503);
      expect((await post(sim.queryUrl, queryBody({ no_order: other }))).status).toBe(200);
    }
    sim.clearFaults();
    expect((await post(sim.queryUrl, queryBody({ no_order: mine }))).status).toBe(200);
  });

  it('probability: chaos hits some requests and spares others; 0 never hits', async () => {
    const no = addOrder([{ code: 'PR07' }]);
    sim.injectFault({ kind: 'unsigned9999' }, { probability: 0, no_order: no });
    sim.injectFault({ kind: 'http5xx' }, { probability: 0.5, no_order: no });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await post(sim.queryUrl, queryBody({ no_order: no }))).status);
    sim.clearFaults();
    const hit = statuses.filter((s) => s === 503).length;
    expect(hit).toBeGreaterThan(5);
    expect(hit).toBeLessThan(35);
    expect(statuses.every((s) => s === 503 || s === 200)).toBe(true);
  });

  it('refuses nonsense fault options', () => {
    expect(() => sim.injectFault({ kind: 'stall' }, { times: 0 })).toThrow(/times/);
    expect(() => sim.injectFault({ kind: 'stall' }, { probability: 2 })).toThrow(/probability/);
    expect(() => sim.injectFault({ kind: 'http5xx', status: 404 })).toThrow(/status/);
  });
});

// ---- notifications -----------------------------------------------------------------------------------------

interface Receiver {
  server: Server;
  url: string;
  bodies: string[];
  contentTypes: string[];
  /** Answers to give, in turn; then `{"ret_code":"0000"}` forever. */
  script: string[];
}

async function receiver(script: string[] = []): Promise<Receiver> {
  const r: Receiver = { server: createServer(), url: '', bodies: [], contentTypes: [], script: [...script] };
  r.server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      r.bodies.push(Buffer.concat(chunks).toString('utf8'));
      r.contentTypes.push(req.headers['content-type'] ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(r.script.shift() ?? '{"ret_code":"0000","ret_msg":"交易成功"}');
    });
  });
  await new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}/notify`;
  return r;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met');
    await sleep(10);
  }
}

describe('asynchronous notifications', () => {
  const receivers: Receiver[] = [];
  afterAll(async () => {
    for (const r of receivers) await new Promise((resolve) => r.server.close(resolve));
  });
  const make = async (script?: string[]) => {
    const r = await receiver(script);
    receivers.push(r);
    return r;
  };

  it('are signed JSON with the protocol fields, sent when the timeline enters a notifyOn code', async () => {
    const rx = await make();
    const no = addOrder(
      [
        { code: 'PR09', after: { queries: 1 } },
        { code: 'PR07', after: { queries: 1 } },
        { code: 'PR12', after: { queries: 1 } },
        { code: 'PR11' },
      ],
      {
        notifyUrl: rx.url,
      },
    );
    await query({ no_order: no }); // PR09 → PR07: notify
    await until(() => rx.bodies.length === 1);
    await query({ no_order: no }); // PR07 → PR12: not in notifyOn
    await query({ no_order: no }); // PR12 → PR11: notify
    await until(() => rx.bodies.length === 2);
    await sleep(150);
    expect(rx.bodies).toHaveLength(2);
    expect(rx.contentTypes).toEqual(['text/json;charset=utf-8', 'text/json;charset=utf-8']);
    const [authorized, captured] = rx.bodies.map(expectSigned);
    expect(Object.keys(authorized as object).sort()).toEqual(
      [
        'bank_code',
        'dt_order',
        'info_order',
        'money_order',
        'no_agree',
        'no_order',
        'oid_partner',
        'oid_paybill',
        'pay_type',
        'result_pay',
        'settle_date',
        'sign',
        'sign_type',
      ].sort(),
    );
    expect(authorized).toMatchObject({
      oid_partner: OID,
      no_order: no,
      dt_order: DT,
      money_order: '100.00',
      result_pay: 'SUCCESS',
      pay_type: 'F',
      sign_type: 'RSA',
      info_order: '预授权成功',
    });
    expect(authorized?.settle_date).toBe(formatLianLianTime(clock).slice(0, 8));
    expect(captured?.info_order).toBe('预授权完成成功');
    expect(sim.notificationsSent(no)).toBe(2);
  });

  it('are not sent for the first code, nor for setCode; sendNotification sends the current code', async () => {
    const rx = await make();
    const no = addOrder([{ code: 'PR07' }], { notifyUrl: rx.url });
    sim.setCode(no, 'PR14');
    await sleep(150);
    expect(rx.bodies).toEqual([]);
    expect(await sim.sendNotification(no)).toBe(true);
    expect(expectSigned(rx.bodies[0] as string).info_order).toBe('预授权撤销成功');
    expect(expectSigned((await query({ no_order: no })).text).ret_code).toBe('PR14');
  });

  it('are resent, byte for byte, until the answer is ret_code 0000', async () => {
    const rx = await make(['{"ret_code":"9999"}', 'not json', '']);
    const no = addOrder([{ code: 'PR11' }], { notifyUrl: rx.url });
    expect(await sim.sendNotification(no)).toBe(false);
    await until(() => rx.bodies.length === 4);
    await sleep(200);
    expect(rx.bodies).toHaveLength(4);
    expect(new Set(rx.bodies).size).toBe(1);
    expect(sim.notificationsSent(no)).toBe(4);
  });

  it('stop after notifyMaxAttempts when never acknowledged, and follow the notifyOn option', async () => {
    const rx = await make(Array.from({ length: 50 }, () => '{"ret_code":"1001"}'));
    const no = addOrder([{ code: 'PR09', after: { queries: 1 } }, { code: 'PR10' }], { notifyUrl: rx.url, notifyOn: ['PR10'] });
    await query({ no_order: no });
    await until(() => rx.bodies.length === 4);
    await sleep(300);
    expect(rx.bodies).toHaveLength(4);
    expect(sim.notificationsSent(no)).toBe(4);
    expect(expectSigned(rx.bodies[0] as string).result_pay).toBe('FAILURE');
  });

  it('go out when time moves an order on, without any query; stop() ends the resends', async () => {
    const rx = await make(Array.from({ length: 50 }, () => '{}'));
    const own = new LianLianSimulator({
      lianlianPrivateKey: lianlianKeys1024().privateKey,
      merchants: [{ oid_partner: OID, publicKey: merchantKeys1024().publicKey }],
      notifyIntervalMs: 30,
    });
    await own.start({ host: '127.0.0.1', port: 0 });
    const no = newNo();
    own.addOrder({
      oid_partner: OID,
      no_order: no,
      dt_order: DT,
      money_order: '7.50',
      timeline: [{ code: 'PR09', after: { ms: 100 } }, { code: 'PR07' }],
      notifyUrl: rx.url,
    });
    await until(() => rx.bodies.length >= 2);
    expect(own.queryCount(no)).toBe(0);
    await own.stop();
    const sent = rx.bodies.length;
    await sleep(200);
    expect(rx.bodies.length).toBe(sent);
    expect(own.notificationsSent(no)).toBe(sent);
  });

  it('signNotification signs any fields with the LianLian key', () => {
    const body = sim.signNotification({ oid_partner: OID, no_order: 'X1', money_order: '1.00' });
    expect(expectSigned(body)).toMatchObject({ sign_type: 'RSA', no_order: 'X1' });
  });
});

describe('orders, Verify API and WEB Payment', () => {
  it('addOrder refuses duplicates and bad fields', () => {
    const no = addOrder([{ code: 'PR07' }]);
    expect(() => addOrder([{ code: 'PR07' }], { no_order: no })).toThrow(expect.objectContaining({ code: 'LLRECON_DUPLICATE_ORDER' }));
    expect(() => addOrder([{ code: 'PR07' }], { dt_order: '20260230120000' })).toThrow(expect.objectContaining({ field: 'dt_order' }));
    expect(() => addOrder([{ code: 'PR07' }], { money_order: '1.005' })).toThrow(expect.objectContaining({ field: 'money_order' }));
    expect(() => sim.setCode('NOSUCH', 'PR07')).toThrow(expect.objectContaining({ field: 'no_order' }));
    expect(sim.order('NOSUCH')).toBeNull();
  });

  it('gives every order without a timeline a random one that starts created', () => {
    const no = newNo();
    sim.addOrder({ oid_partner: OID, no_order: no, dt_order: DT, money_order: '3.00' });
    expect(sim.order(no)).toBe('2003');
  });

  const verifyBody_ = (no: string, over: Record<string, string> = {}) =>
    JSON.stringify(
      signFields(
        {
          oid_partner: OID,
          sign_type: 'RSA',
          api_version: '1.0',
          user_id: 'u1',
          token: 'D096DBA0E3E0CC8F1D504C06E71D292D',
          verify_code: '222222',
          no_order: no,
          time_stamp: formatLianLianTime(clock),
          ...over,
        },
        merchantKey,
      ),
    );

  it('Verify API: a signed 0000 with result_pay SUCCESS and the exchange fields', async () => {
    const no = addOrder([{ code: 'PR07' }], { money_order: '31.68' });
    const issued = sim.issueVerification(no, { token: 'D096DBA0E3E0CC8F1D504C06E71D292D', verify_code: '222222' });
    expect(issued).toEqual({ token: 'D096DBA0E3E0CC8F1D504C06E71D292D', verify_code: '222222' });
    const a = expectSigned((await post(sim.verifyUrl, verifyBody_(no))).text);
    const settle =
      a.money_settle === undefined ? { money_sellte: '31.47', currency_sellte: 'USD' } : { money_settle: '31.47', currency_settle: 'USD' };
    expect(a).toMatchObject({
      ret_code: '0000',
      ret_msg: '交易成功',
      result_pay: 'SUCCESS',
      no_order: no,
      money_order: '31.68',
      currency_order: 'USD',
      currency_pay: 'CNY',
      money_pay: '210.99',
      ...settle,
      exchange_rate: '6.66',
    });
    expect(JSON.parse((await post(sim.verifyUrl, verifyBody_('NOSUCH'))).text)).toEqual({ ret_code: '8901', ret_msg: '无记录' });
  });

  it('Verify API: unsigned 1004 for a bad verify_code, a stale time_stamp or a missing token; 1001 for a bad signature', async () => {
    const no = addOrder([{ code: 'PR07' }]);
    sim.issueVerification(no, { token: 'D096DBA0E3E0CC8F1D504C06E71D292D', verify_code: '222222' });
    const overs: Array<[Record<string, string>, string]> = [
      [{ verify_code: '12345' }, 'verify_code'],
      [{ verify_code: 'abcdef' }, 'verify_code'],
      [{ time_stamp: formatLianLianTime(clock - 31 * 60_000) }, 'time_stamp'],
      [{ token: '' }, 'token'],
    ];
    for (const [over, field] of overs)
      expect(JSON.parse((await post(sim.verifyUrl, verifyBody_(no, over))).text)).toEqual({
        ret_code: '1004',
        ret_msg: `商户请求参数校验错误（${field}）`,
      });
    const forged = JSON.stringify({ ...(JSON.parse(verifyBody_(no)) as object), verify_code: '333333' });
    expect(JSON.parse((await post(sim.verifyUrl, forged)).text).ret_code).toBe('1001');
  });

  const gatewayForm = (no: string, notifyUrl: string, key: PrivateKey = merchantKey) =>
    buildWebPaymentForm(
      {
        oid_partner: OID,
        user_id: 'u1',
        busi_partner: '101001',
        no_order: no,
        dt_order: DT,
        name_goods: '羽毛球',
        money_order: '12.30',
        notify_url: notifyUrl,
        url_return: 'http://127.0.0.1:9/return',
        userreq_ip: '127_0_0_1',
        pay_type: 'F',
        risk_item: { frms_ware_category: '1999' },
      },
      key,
      clock,
    );

  it('WEB Payment: a signed form registers the order (notifications to its notify_url) and shows a page', async () => {
    const rx = await make_();
    const no = newNo();
    const submit = (form: Record<string, string>) =>
      fetch(sim.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
    const refused = await submit(gatewayForm(no, rx.url, stranger));
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('签名验证失败');
    expect(sim.order(no)).toBeNull();
    const ok = await submit(gatewayForm(no, rx.url));
    expect(ok.status).toBe(200);
    const html = await ok.text();
    expect(html).toContain(no);
    // no synchronous return while the authorization has not succeeded (seed 003: none for failures)
    expect(html).not.toContain('http://127.0.0.1:9/return');
    expect(sim.order(no)).toBe('2003');
    sim.setCode(no, 'PR07');
    expect(await (await submit(gatewayForm(no, rx.url))).text()).toContain('action="http://127.0.0.1:9/return"');
    expect(await sim.sendNotification(no)).toBe(true);
    expect(expectSigned(rx.bodies[0] as string)).toMatchObject({ no_order: no, money_order: '12.30' });
  });

  const rxs: Receiver[] = [];
  const make_ = async () => {
    const r = await receiver();
    rxs.push(r);
    return r;
  };
  afterAll(async () => {
    for (const r of rxs) await new Promise((resolve) => r.server.close(resolve));
  });
});

describe('stop', () => {
  it('closes stalled connections', async () => {
    const own = new LianLianSimulator({ lianlianPrivateKey: lianlianKeys1024().privateKey, merchants: [] });
    await own.start();
    own.injectFault({ kind: 'stall' });
    const pending = post(own.queryUrl, '{}');
    await until(() => own.requestCount === 1);
    await own.stop();
    await expect(pending).rejects.toThrow();
  });
});

describe('llrecon sandbox', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'llrecon-sandbox-'));
    dirs.push(d);
    return d;
  };

  it('ensureSandboxKeys generates the keys and merchant id once, then reuses them', () => {
    const dir = join(tmp(), 'nested', 'sandbox');
    const first = ensureSandboxKeys(dir);
    expect(first.oidPartner).toMatch(/^\d{18}$/);
    expect(importPrivateKey(first.lianlianPrivate).bits).toBe(1024);
    expect(importPrivateKey(first.merchantPrivate).bits).toBe(2048);
    expect(exportPublicPem(publicKeyOf(importPrivateKey(first.merchantPrivate)))).toBe(first.merchantPublic);
    for (const f of ['lianlian_private.pem', 'merchant_private.pem']) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'oid_partner.txt'), 'utf8').trim()).toBe(first.oidPartner);
    // a lost public half is derived again from its private key
    unlinkSync(join(dir, 'lianlian_public.pem'));
    expect(ensureSandboxKeys(dir)).toEqual(first);
    expect(readFileSync(join(dir, 'lianlian_public.pem'), 'utf8')).toBe(first.lianlianPublic);
  });

  it('ensureSandboxKeys refuses a kept merchant id that is not 18 digits', () => {
    const dir = tmp();
    ensureSandboxKeys(dir);
    writeFileSync(join(dir, 'oid_partner.txt'), '12345\n');
    expect(() => ensureSandboxKeys(dir)).toThrow(expect.objectContaining({ code: 'LLRECON_CONFIG' }));
  });

  it('runs the simulator on its own with demo orders, answers with the kept keys, and stops on SIGTERM', async () => {
    const dir = tmp();
    const code = [
      "const { Command } = await import('commander');",
      "const { register } = await import('./src/cli/commands/sandbox.ts');",
      "const program = new Command('llrecon'); register(program);",
      `await program.parseAsync(['node', 'llrecon', 'sandbox', '--port', '0', '--orders', '2', '--seed', '5', '--keys-dir', ${JSON.stringify(dir)}]);`,
    ].join('\n');
    const sandbox = launchTs({ code }, { env: process.env, input: null });
    try {
      await sandbox.waitForOutput('Ctrl-C stops it.', 15_000);
      const out = sandbox.all;
      const keys = ensureSandboxKeys(dir);
      expect(out).toContain(`oid_partner:     ${keys.oidPartner}`);
      expect(out).toContain(join(dir, 'merchant_private.pem'));
      const queryUrl = /pre-auth query:\s+(\S+)/.exec(out)?.[1] as string;
      const [no, dt, money] = (/demo orders[^\n]*\n\s+(\S+) (\S+) (\S+)/.exec(out) ?? []).slice(1) as [string, string, string];
      const body = JSON.stringify(
        signFields(
          { oid_partner: keys.oidPartner, sign_type: 'RSA', api_version: '1.0', pay_type: 'F', no_order: no, dt_order: dt },
          importPrivateKey(keys.merchantPrivate),
        ),
      );
      const answer = await (await fetch(queryUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).text();
      expect(verifyBody(answer, importPublicKey(keys.lianlianPublic)).reason).toBe('ok');
      expect(JSON.parse(answer)).toMatchObject({ ret_code: '2003', no_order: no, money_order: money });
    } finally {
      sandbox.child.kill('SIGTERM');
    }
    expect(await sandbox.exited).toBe(0);
    expect(existsSync(join(dir, 'lianlian_private.pem'))).toBe(true);
  });
});
