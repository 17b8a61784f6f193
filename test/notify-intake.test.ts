// The callback door over real HTTP against a real engine on real Redis (issue 10): only JSON content types; a
// callback that does not verify is refused at the door, never queued, leaving counters and a sampled, scrubbed
// record; a source whose refusals pile up is answered 429 while a genuine callback from it is still admitted;
// replay variants of one signed content (extra empty fields, keys reordered) make one job and one query; rejected
// callbacks naming an order never push out its timeline; a final order gets no confirming query, an abandoned one
// does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importPrivateKey } from '../src/lianlian/keys.js';
import { signFields } from '../src/lianlian/signature.js';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { handleCallback } from '../src/notify/handle-callback.js';
import { SAMPLES_PER_SEC } from '../src/notify/door.js';
import { FAILURE_BURST } from '../src/notify/admission.js';
import { fetchFrom, freshLoopback } from './support/from-address.js';
import { TEST_CARD_NO } from './support/log-capture.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

let stack: Stack;
const dt = formatLianLianTime(Date.now());

beforeAll(async () => {
  // routine polls every 10 minutes: a query within seconds was caused by a callback
  stack = await startStack({ http: true, env: { POLL_SCHEDULE: '10m' } });
});
afterAll(async () => stack?.close());

function notification(s: Stack, no: string, over: Record<string, string> = {}): Record<string, string> {
  return {
    oid_partner: s.oidPartner,
    sign_type: 'RSA',
    no_order: no,
    dt_order: dt,
    oid_paybill: '2026112400000001',
    money_order: '88.00',
    result_pay: 'SUCCESS',
    settle_date: dt.slice(0, 8),
    pay_type: 'F',
    ...over,
  };
}

const signed = (s: Stack, fields: Record<string, string>) => signFields(fields, importPrivateKey(s.lianlianKeyPem));

async function trackAt(s: Stack, code: string): Promise<string> {
  // no run of 13+ digits: a stranger's value that looks like a card number is scrubbed before it is kept, and the
  // tests find rejected callbacks by their order number
  const no = `NI${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  s.simulator.addOrder({ oid_partner: s.oidPartner, no_order: no, dt_order: dt, money_order: '88.00', timeline: [{ code }] });
  await s.engine.track({ no_order: no, dt_order: dt, money_order: '88.00' }, { source: 'embed' });
  return no;
}

function post(
  s: Stack,
  body: string,
  contentType = 'text/json;charset=utf-8',
  from?: string,
  path = '/notify/lianlian',
): Promise<Response> {
  const init = { method: 'POST', headers: { 'content-type': contentType }, body };
  return from ? fetchFrom(from)(`${s.url}${path}`, init) : fetch(`${s.url}${path}`, init);
}

async function notifyJobs(s: Stack): Promise<number> {
  const counts = await s.engine.ctx.queues.notify.getJobCounts();
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

async function refusedMetric(s: Stack, reason: string): Promise<number> {
  const text = await s.engine.metrics.registry.metrics();
  const m = new RegExp(`^llrecon_callbacks_refused_total\\{reason="${reason}"\\} (\\d+)`, 'm').exec(text);
  return Number(m?.[1] ?? 0);
}

const errorOf = async (r: Response) => ((await r.json()) as { error: { code: string; message: string } }).error;

describe('content types', () => {
  it('refuses text/plain (and anything not JSON) with 415 naming the type, on both routes, queueing nothing', async () => {
    const before = await notifyJobs(stack);
    const body = JSON.stringify(signed(stack, notification(stack, `CT${Date.now()}`)));
    for (const path of ['/notify/lianlian', '/notify/lianlian/return'])
      for (const type of ['text/plain', 'text/plain;charset=utf-8', 'multipart/form-data; boundary=x', 'application/xml']) {
        const r = await post(stack, body, type, freshLoopback(), path);
        expect(r.status, `${path} ${type}`).toBe(415);
        const e = await errorOf(r);
        expect(e.code).toBe('LLRECON_UNSUPPORTED_MEDIA_TYPE');
        expect(e.message).toContain(type.split(';')[0]);
      }
    // a form is a url_return's type only
    expect((await post(stack, new URLSearchParams({ a: 'b' }).toString(), 'application/x-www-form-urlencoded')).status).toBe(415);
    expect(await notifyJobs(stack)).toBe(before);
    expect(await refusedMetric(stack, 'content_type')).toBeGreaterThanOrEqual(9);
  });

  it('takes a genuine callback under JSON types with any charset', async () => {
    for (const type of ['text/json', 'text/json;charset=utf-8', 'application/json', 'application/json; charset=UTF-8']) {
      const r = await post(stack, JSON.stringify(signed(stack, notification(stack, `UNTRACKED-CT-${Date.now()}-${type}`))), type);
      expect(r.status, type).toBe(200);
    }
  });
});

describe('the door', () => {
  it('refuses what does not verify with 400 naming the reason, and queues nothing', async () => {
    const no = await trackAt(stack, '2003');
    const genuine = signed(stack, notification(stack, no));
    const cases: Array<[string, string]> = [
      ['no_sign', JSON.stringify(notification(stack, no))],
      ['mismatch', JSON.stringify({ ...genuine, money_order: '880.00' })],
      ['non_string', JSON.stringify({ ...genuine, money_order: 88 })],
      ['other_merchant', JSON.stringify(signed(stack, notification(stack, no, { oid_partner: '201408071000009999' })))],
    ];
    const before = await notifyJobs(stack);
    const from = freshLoopback();
    for (const [reason, body] of cases) {
      const r = await post(stack, body, 'application/json', from);
      expect(r.status, reason).toBe(400);
      const e = await errorOf(r);
      expect(e.code, reason).toBe('LLRECON_CALLBACK_UNVERIFIED');
      expect(e.message, reason).toContain(reason);
    }
    expect(await notifyJobs(stack)).toBe(before);
    await new Promise((r) => setTimeout(r, 300));
    expect(stack.simulator.queryCount(no)).toBe(0);
  });

  it('answers 429 to a flood of forged callbacks from one source, and still admits a genuine one from it', async () => {
    const no = await trackAt(stack, 'PR07');
    const flooder = freshLoopback();
    // the budget is FAILURE_BURST refusals, given back at one a second: never a 429 before it is spent
    const statuses: number[] = [];
    for (let i = 0; i < FAILURE_BURST + 100 && !statuses.includes(429); i += 1) {
      const forged = JSON.stringify({ ...notification(stack, no), sign: Buffer.from(`forged ${i}`).toString('base64') });
      statuses.push((await post(stack, forged, 'application/json', flooder)).status);
    }
    expect(statuses.indexOf(429)).toBeGreaterThanOrEqual(FAILURE_BURST);
    expect(statuses.filter((x) => x !== 429).every((x) => x === 400)).toBe(true);
    const throttled = await post(stack, JSON.stringify(notification(stack, no)), 'application/json', flooder);
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await errorOf(throttled)).code).toBe('LLRECON_CALLBACK_THROTTLED');
    // another source has its own budget
    expect((await post(stack, JSON.stringify(notification(stack, no)), 'application/json', freshLoopback())).status).toBe(400);
    // LianLian may share the flooder's address: a genuine callback is admitted and applied
    stack.simulator.setCode(no, 'PR11');
    const genuine = await post(
      stack,
      JSON.stringify(signed(stack, notification(stack, no, { result_pay: 'SUCCESS' }))),
      'application/json',
      flooder,
    );
    expect(genuine.status).toBe(200);
    await waitFor(async () => (await stack.engine.store.get(no))?.state === 'captured');
    expect(await refusedMetric(stack, 'throttled')).toBeGreaterThanOrEqual(2);
  });

  it('keeps only a sampled, scrubbed record of refused callbacks, never a job', async () => {
    const before = await notifyJobs(stack);
    const tag = `SAMPLE-${Date.now().toString(36)}`;
    const pem = '-----BEGIN RSA PRIVATE KEY-----';
    const bodies = Array.from({ length: 200 }, (_, i) =>
      JSON.stringify({
        oid_partner: stack.oidPartner,
        no_order: `${tag}-${i}-${TEST_CARD_NO}`,
        info_order: `${pem}\u001b[31m`,
        sign: 'eA==',
      }),
    );
    // the door samples at most SAMPLES_PER_SEC a second, whoever sent them: the previous test's refusals may have
    // used up the current second, so start in a fresh one
    await new Promise((r) => setTimeout(r, 1100));
    const started = Date.now();
    // from many sources, so that no budget runs out: sampling alone bounds what is kept
    for (let i = 0; i < bodies.length; i += 20)
      await Promise.all(bodies.slice(i, i + 20).map((b) => post(stack, b, 'application/json', freshLoopback())));
    const seconds = Math.ceil((Date.now() - started) / 1000) + 1;
    expect(await notifyJobs(stack)).toBe(before);
    // the sampled writes are not awaited by the answer
    const keptNow = async () =>
      (await stack.engine.callbacks('rejected', 1000)).filter((c) => c.door === true && c.no_order?.startsWith(tag));
    await waitFor(async () => (await keptNow()).length > 0);
    await new Promise((r) => setTimeout(r, 300));
    const kept = await keptNow();
    expect(kept.length).toBeLessThanOrEqual(SAMPLES_PER_SEC * seconds);
    for (const c of kept) {
      expect(c.reason).toBe('mismatch');
      expect(c.no_order).not.toContain(TEST_CARD_NO);
      expect(c.no_order).toContain('[redacted number]');
      expect(c.signString ?? '').not.toContain('BEGIN RSA');
      expect(c.signString ?? '').not.toContain('\u001b');
      expect(c.source).toMatch(/^127\./);
    }
    // operators see them on /admin/callbacks, marked as door samples, scrubbed
    const page = await fetch(`${stack.url}/admin/callbacks`, { headers: { authorization: `Bearer ${stack.adminToken}` } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('refused at the door');
    expect(html).not.toContain(TEST_CARD_NO);
  });
});

describe('dedupe on what is signed', () => {
  it('1,000 replay variants of one genuine callback (extra empty fields, keys reordered) make one job and one query', async () => {
    const no = await trackAt(stack, 'PR07');
    const queriesBefore = stack.simulator.queryCount(no);
    const genuine = signed(stack, notification(stack, no));
    const variants = Array.from({ length: 1000 }, (_, i) => {
      const entries = Object.entries({ ...genuine, [`x${i}`]: '' });
      if (i % 2 === 1) entries.reverse();
      return JSON.stringify(Object.fromEntries(entries));
    });
    expect(new Set(variants).size).toBe(1000);
    for (let i = 0; i < variants.length; i += 50) {
      const answers = await Promise.all(variants.slice(i, i + 50).map((v) => post(stack, v)));
      expect(answers.every((a) => a.status === 200)).toBe(true);
    }
    await waitFor(async () => stack.simulator.queryCount(no) > queriesBefore);
    await new Promise((r) => setTimeout(r, 1500));
    expect(stack.simulator.queryCount(no) - queriesBefore).toBe(1);
    const jobs = await stack.engine.ctx.queues.notify.getJobs(['completed', 'waiting', 'active', 'delayed', 'failed']);
    expect(jobs.filter((j) => j.data.raw.includes(no))).toHaveLength(1);
  });

  // a verified callback for an order llrecon no longer polls is accepted (acknowledged, recorded) and asks nothing
  it.each([
    {
      what: 'a final order',
      setUp: async (): Promise<string> => {
        const no = await trackAt(stack, 'PR11');
        await stack.engine.requery(no, { source: 'embed', reason: 'first answer' });
        await waitFor(async () => (await stack.engine.store.get(no))?.final === true);
        return no;
      },
    },
    {
      what: 'an order an operator untracked',
      setUp: async (): Promise<string> => {
        const no = await trackAt(stack, 'PR07');
        await stack.engine.untrack(no, { source: 'embed', actor: 'test', reason: 'cancelled in the shop' });
        return no;
      },
    },
  ])('$what gets no confirming query from a verified callback', async ({ setUp }) => {
    const no = await setUp();
    const queriesBefore = stack.simulator.queryCount(no);
    expect((await post(stack, JSON.stringify(signed(stack, notification(stack, no))))).status).toBe(200);
    const job = await waitFor(async () => {
      const jobs = await stack.engine.ctx.queues.notify.getJobs(['completed']);
      return jobs.find((j) => j.data.raw.includes(no));
    });
    expect(job.returnvalue).toMatchObject({ verdict: 'accepted' });
    await new Promise((r) => setTimeout(r, 500));
    expect(stack.simulator.queryCount(no)).toBe(queriesBefore);
  });
});

describe("an order's timeline belongs to the order", () => {
  it('rejected callbacks naming it are kept apart, capped, and never push out its queries and answers', async () => {
    const no = await trackAt(stack, '2003');
    for (let i = 0; i < 3; i += 1) await stack.engine.requery(no, { source: 'embed', reason: `look ${i}` });
    await waitFor(async () => stack.simulator.queryCount(no) >= 1);
    await new Promise((r) => setTimeout(r, 300));
    const timeline = await stack.engine.store.timeline(no, 100);
    expect(timeline.length).toBeGreaterThan(0);
    // 120 forged ones that reached the workers (queued directly, as an embedding program could) …
    for (let i = 0; i < 120; i += 1) {
      const raw = JSON.stringify({ ...notification(stack, no), info_order: `fake ${i}`, sign: 'eA==' });
      expect(await handleCallback(stack.engine.ctx, { kind: 'async', raw, at: Date.now() })).toMatchObject({ verdict: 'rejected' });
    }
    // … a genuine one with the wrong amount, and forged ones at the door
    const wrongAmount = JSON.stringify(signed(stack, notification(stack, no, { money_order: '1.00' })));
    expect(await handleCallback(stack.engine.ctx, { kind: 'async', raw: wrongAmount, at: Date.now() })).toMatchObject({
      reason: 'amount_mismatch',
    });
    for (let i = 0; i < 5; i += 1)
      await post(
        stack,
        JSON.stringify({ ...notification(stack, no), info_order: `door ${i}`, sign: 'eA==' }),
        'text/json',
        freshLoopback(),
      );
    await new Promise((r) => setTimeout(r, 200));
    expect(await stack.engine.store.timeline(no, 100)).toEqual(timeline);
    const apart = await stack.engine.orderRejectedCallbacks(no, 1000);
    expect(apart.length).toBe(100); // capped
    expect(apart[0]).toMatchObject({ kind: 'callback', verdict: 'rejected' });
    expect(apart.some((e) => e.kind === 'callback' && e.reason === 'amount_mismatch')).toBe(true);
    // the order's page shows them, apart from its timeline
    const page = await fetch(`${stack.url}/admin/orders/${no}`, { headers: { authorization: `Bearer ${stack.adminToken}` } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('Rejected callbacks naming this order');
    expect(html).toContain('amount_mismatch');
  });
});

describe('an abandoned order', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await startStack({ http: true, env: { POLL_SCHEDULE: '100ms', TRACKING_HORIZON: '1s' } });
  });
  afterAll(async () => s?.close());

  it('gets a confirming query from a verified callback (llrecon gave up on it; LianLian may now know)', async () => {
    const no = await trackAt(s, '2003');
    await waitFor(async () => (await s.engine.store.get(no))?.state === 'abandoned', 15_000);
    await new Promise((r) => setTimeout(r, 300));
    const queriesBefore = s.simulator.queryCount(no);
    s.simulator.setCode(no, 'PR11');
    expect((await post(s, JSON.stringify(signed(s, notification(s, no))))).status).toBe(200);
    await waitFor(async () => s.simulator.queryCount(no) > queriesBefore);
    await new Promise((r) => setTimeout(r, 500));
    expect(s.simulator.queryCount(no)).toBe(queriesBefore + 1);
  });
});
