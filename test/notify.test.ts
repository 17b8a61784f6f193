// LianLian's callbacks end to end: acknowledged fast, checked by the notify workers, a verified one confirmed by
// query at once (via notify); replays take effect once; forged ones take none (refused at the door, or rejected by
// the workers), and are kept apart from the order's timeline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, importPrivateKey } from '../src/lianlian/keys.js';
import { signFields } from '../src/lianlian/signature.js';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { handleCallback } from '../src/notify/handle-callback.js';
import { eventsOf } from './support/events.js';
import { TEST_CARD_NO } from './support/log-capture.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

let stack: Stack;
const dt = formatLianLianTime(Date.now());

beforeAll(async () => {
  // routine polls every 10 minutes: anything that happens within seconds was caused by a callback
  stack = await startStack({ http: true, env: { POLL_SCHEDULE: '10m' } });
});
afterAll(async () => stack?.close());

function notification(no: string, over: Record<string, string> = {}): Record<string, string> {
  return {
    oid_partner: stack.oidPartner,
    sign_type: 'RSA',
    no_order: no,
    dt_order: dt,
    oid_paybill: '2026112400000001',
    money_order: '88.00',
    result_pay: 'SUCCESS',
    settle_date: dt.slice(0, 8),
    info_order: '预授权',
    pay_type: 'F',
    bank_code: '03080000',
    card_no: TEST_CARD_NO, // card data rides along in some callbacks: it must never reach a log
    acct_name: '张三',
    ...over,
  };
}

function lianlianSigned(fields: Record<string, string>): string {
  return JSON.stringify(signFields(fields, importPrivateKey(stack.lianlianKeyPem)));
}

async function post(body: string, contentType = 'text/json;charset=utf-8'): Promise<Response> {
  return fetch(`${stack.url}/notify/lianlian`, { method: 'POST', headers: { 'content-type': contentType }, body });
}

async function trackAt(code: string): Promise<string> {
  // no run of 13+ digits: a stranger's value that looks like a card number is scrubbed before it is kept, and the
  // tests find rejected callbacks by their order number
  const no = `NT${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  stack.simulator.addOrder({
    oid_partner: stack.oidPartner,
    no_order: no,
    dt_order: dt,
    money_order: '88.00',
    timeline: [{ code }],
    notifyUrl: `${stack.url}/notify/lianlian`,
  });
  await stack.engine.track({ no_order: no, dt_order: dt, money_order: '88.00' }, { source: 'embed' });
  return no;
}

describe('a verified callback is a hint confirmed by query', () => {
  it("the simulator's own notification leads to a confirming query and an event via notify", async () => {
    const no = await trackAt('PR07');
    stack.simulator.setCode(no, 'PR11');
    await stack.simulator.sendNotification(no);
    const order = await waitFor(async () => {
      const o = await stack.engine.store.get(no);
      return o?.state === 'captured' ? o : null;
    });
    expect(order.final).toBe(true);
    const evs = await eventsOf(stack, no);
    expect(evs.map((e) => [e.type, e.event.data.via])).toEqual([['preauth.captured', 'notify']]);
  });

  it('one genuine callback replayed 25 times takes effect once', async () => {
    const no = await trackAt('PR07');
    stack.simulator.setCode(no, 'PR14');
    const body = lianlianSigned(notification(no));
    const answers = await Promise.all(Array.from({ length: 25 }, () => post(body)));
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(await a.json()).toEqual({ ret_code: '0000', ret_msg: '交易成功' });
    }
    await waitFor(async () => (await stack.engine.store.get(no))?.state === 'voided');
    await new Promise((r) => setTimeout(r, 300));
    const evs = await eventsOf(stack, no);
    expect(evs.map((e) => e.type)).toEqual(['preauth.voided']);
    // exact duplicates collapse into one queued callback
    const jobs = await stack.engine.ctx.queues.notify.getJobs(['completed', 'waiting', 'active', 'delayed']);
    expect(jobs.filter((j) => j.data.raw === body)).toHaveLength(1);
  });

  it('forged callbacks are refused at the door, mismatched ones rejected by the workers: recorded apart, changing nothing', async () => {
    const no = await trackAt('2003');
    stack.simulator.setCode(no, 'PR11'); // if any forged callback triggered a query, the order would move
    const genuine = JSON.parse(lianlianSigned(notification(no))) as Record<string, string>;
    const stranger = importPrivateKey(generateKeyPair(1024).privatePem);
    const forged: Array<[string, string]> = [
      ['other key', JSON.stringify(signFields(notification(no), stranger))],
      ['altered amount', JSON.stringify({ ...genuine, money_order: '880.00' })],
      ['other merchant', lianlianSigned(notification(no, { oid_partner: '201408071000009999' }))],
      ['no sign', JSON.stringify(notification(no))],
      ['genuine but wrong amount', lianlianSigned(notification(no, { money_order: '1.00' }))],
    ];
    // a body that is not JSON at all, carrying a card number, is refused at the door
    expect((await post(`card_no=${TEST_CARD_NO}&sign=x`)).status).toBe(400);
    // what does not verify is refused at the door (400, never queued); a genuine one with the wrong amount is queued
    for (const [what, body] of forged) expect((await post(body)).status, what).toBe(what === 'genuine but wrong amount' ? 200 : 400);
    const mine = await waitFor(async () => {
      const list = await stack.engine.orderRejectedCallbacks(no, 100);
      return list.length >= forged.length ? list : null;
    });
    expect(mine.map((c) => (c.kind === 'callback' ? c.reason : '')).sort()).toEqual(
      ['amount_mismatch', 'mismatch', 'mismatch', 'no_sign', 'other_merchant'].sort(),
    );
    expect((await stack.engine.callbacks('rejected', 1000)).find((c) => c.no_order === no && c.door !== true)?.reason).toBe(
      'amount_mismatch',
    );
    expect((await stack.engine.store.timeline(no, 100)).filter((e) => e.kind === 'callback')).toEqual([]);
    await new Promise((r) => setTimeout(r, 500));
    expect(await eventsOf(stack, no)).toEqual([]);
    expect((await stack.engine.store.get(no))?.state).toBe('pending');
    expect(stack.simulator.queryCount(no)).toBe(0);
  });

  it('a callback whose job runs again (its worker died after checking it) is recorded once', async () => {
    const no = await trackAt('2003');
    const forged = JSON.stringify({ ...JSON.parse(lianlianSigned(notification(no))), money_order: '880.00' });
    const genuine = lianlianSigned(notification(no, { oid_paybill: '2026112400000002' }));
    const run = (raw: string) => handleCallback(stack.engine.ctx, { kind: 'async', raw, at: Date.now() });
    const verdicts = [await run(forged), await run(forged), await run(genuine), await run(genuine)];
    expect(verdicts.map((v) => v.verdict)).toEqual(['rejected', 'rejected', 'accepted', 'accepted']);
    const kept = (await stack.engine.callbacks('rejected', 1000)).filter((c) => c.no_order === no);
    expect(kept.map((c) => c.reason)).toEqual(['mismatch']);
    const timeline = (await stack.engine.store.timeline(no, 100)).filter((e) => e.kind === 'callback');
    expect(timeline.map((e) => (e.kind === 'callback' ? e.verdict : ''))).toEqual(['accepted']);
    // the rejected one is kept apart from the timeline
    expect((await stack.engine.orderRejectedCallbacks(no, 100)).map((e) => (e.kind === 'callback' ? e.reason : ''))).toEqual(['mismatch']);
  });

  it('compares amounts by exact value: "88.000" is the tracked 88.00, "88.005" and " 88.00" are not', async () => {
    const no = await trackAt('2003');
    const run = (money_order: string) =>
      handleCallback(stack.engine.ctx, { kind: 'async', raw: lianlianSigned(notification(no, { money_order })), at: Date.now() });
    expect(await run('88.005')).toMatchObject({ verdict: 'rejected', reason: 'amount_mismatch' });
    expect(await run(' 88.00')).toMatchObject({ verdict: 'rejected', reason: 'amount_mismatch' });
    expect(await run('88.000')).toMatchObject({ verdict: 'accepted', reason: 'verified' });
  });

  it('a verified callback for an order llrecon does not track is kept for operators', async () => {
    const no = `UNTRACKED${Date.now()}`;
    expect((await post(lianlianSigned(notification(no)))).status).toBe(200);
    const kept = await waitFor(async () => (await stack.engine.callbacks('untracked', 100)).find((c) => c.no_order === no));
    expect(kept.reason).toBe('untracked');
    expect(await stack.engine.store.get(no)).toBeNull();
  });

  it('the url_return form POST is a hint too', async () => {
    const no = await trackAt('PR07');
    stack.simulator.setCode(no, 'PR11');
    const fields = JSON.parse(lianlianSigned({ ...notification(no), ret_code: '0000', ret_msg: '交易成功' })) as Record<string, string>;
    const r = await fetch(`${stack.url}/notify/lianlian/return`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ok: true });
    await waitFor(async () => (await stack.engine.store.get(no))?.state === 'captured');
    expect((await eventsOf(stack, no)).map((e) => e.event.data.via)).toEqual(['notify']);
  });
});
