// LianLian's callback routes over real HTTP, against a real engine on real Redis: a callback signed with LianLian's
// key reaches the notify queue byte for byte as sent, under the JSON content types; what is not a JSON object, too
// big or of another type is refused with nothing queued (test/notify-intake.test.ts: what does not verify); the url_return form becomes a JSON object of strings; a Redis that is down
// gets a 503 (so that LianLian resends); and neither bodies nor credentials reach the log.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/http/app.js';
import { importPrivateKey } from '../src/lianlian/keys.js';
import { buildSignString } from '../src/lianlian/sign-string.js';
import { signFields, signString } from '../src/lianlian/signature.js';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { createLogger } from '../src/log.js';
import { notifyJobId } from '../src/notify/intake.js';
import { QUEUE, type NotifyJobData } from '../src/queues/names.js';
import { startRedisServer } from '../src/redis/embedded-server.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

/** No workers: queued callbacks stay in the notify queue, where the tests read them back. */
let stack: Stack;
let notifyQueue: Queue<NotifyJobData>;

const ACK = '{"ret_code":"0000","ret_msg":"交易成功"}';
const CARD = '6222021234567890123';

beforeAll(async () => {
  stack = await startStack({ http: true, env: { ROLES: 'api' } });
  notifyQueue = stack.engine.queues.find((q) => q.name === QUEUE.notify) as Queue<NotifyJobData>;
});
afterAll(async () => stack?.close());

function post(path: string, body: string, contentType = 'text/json;charset=utf-8', s: Stack = stack): Promise<Response> {
  return fetch(`${s.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
}

async function queued(raw: string, kind: 'async' | 'return' = 'async'): Promise<NotifyJobData | null> {
  const job = await notifyQueue.getJob(notifyJobId(kind, raw));
  return job?.data ?? null;
}

async function jobCount(): Promise<number> {
  const counts = await notifyQueue.getJobCounts();
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

async function errorCode(res: Response): Promise<string> {
  const json = (await res.json()) as { error: { code: string; field?: string } };
  return json.error.code;
}

let seq = 0;
const uniqueNo = () => `NF${Date.now()}${seq++}`;

/** `fields` signed with LianLian's key (oid_partner the stack's unless given), as a JSON text. */
function lianlian(fields: Record<string, string>, s: Stack = stack): string {
  return JSON.stringify(signFields({ oid_partner: s.oidPartner, ...fields }, importPrivateKey(s.lianlianKeyPem)));
}

/** LianLian's signature over `fields` (for bodies written by hand). */
function signatureOf(fields: Record<string, string>): string {
  return signString(buildSignString(fields), importPrivateKey(stack.lianlianKeyPem));
}

describe('POST /notify/lianlian', () => {
  it('queues the body exactly as sent (1.10 stays 1.10, Chinese and escapes kept), then answers LianLian', async () => {
    const no = uniqueNo();
    const sign = signatureOf({ oid_partner: stack.oidPartner, no_order: no, money_order: '1.10', info_order: '预授权 交易' });
    const raw = `{"oid_partner":"${stack.oidPartner}" ,"no_order":"${no}","money_order":"1.10","info_order":"预授权 \\u4ea4易","sign":"${sign}"}\n`;
    const res = await post('/notify/lianlian', raw);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.text()).toBe(ACK);
    const job = await queued(raw);
    expect(job?.kind).toBe('async');
    expect(job?.raw).toBe(raw);
    expect(Buffer.from(job?.raw ?? '').equals(Buffer.from(raw))).toBe(true);
  });

  it('accepts JSON under the JSON content types, with or without charset (text/plain: see notify-intake.test.ts)', async () => {
    for (const type of ['text/json', 'text/json; charset=UTF-8', 'application/json', 'application/json;charset=utf-8']) {
      const raw = lianlian({ no_order: uniqueNo(), info_order: type });
      const res = await post('/notify/lianlian', raw, type);
      expect(res.status, type).toBe(200);
      expect((await queued(raw))?.raw, type).toBe(raw);
    }
  });

  it('refuses what is not a JSON object with 400, naming no field, and queues nothing', async () => {
    const before = await jobCount();
    const cases: Array<[string, string]> = [
      [`{"no_order":"x","card_no":"${CARD}"`, 'LLRECON_INVALID_JSON'],
      ['no_order=x&money_order=1.00', 'LLRECON_INVALID_JSON'],
      ['', 'LLRECON_INVALID_JSON'],
      ['   ', 'LLRECON_INVALID_JSON'],
      ['[{"no_order":"x"}]', 'LLRECON_NOT_AN_OBJECT'],
      ['null', 'LLRECON_NOT_AN_OBJECT'],
      ['"text"', 'LLRECON_NOT_AN_OBJECT'],
      ['1.10', 'LLRECON_NOT_AN_OBJECT'],
    ];
    for (const [raw, code] of cases) {
      const res = await post('/notify/lianlian', raw);
      expect(res.status, raw).toBe(400);
      const json = (await res.json()) as { error: Record<string, unknown> };
      expect(json.error.code, raw).toBe(code);
      expect(json.error).not.toHaveProperty('field');
      expect(JSON.stringify(json)).not.toContain(CARD); // the body is never echoed
    }
    expect(await jobCount()).toBe(before);
  });

  it('takes up to 64 KiB (413 beyond) and only JSON-ish types (415 otherwise), queueing nothing refused', async () => {
    // signed, padded to exactly `size` bytes (a 1024-bit signature has one length whatever it signs)
    const fill = (size: number) => {
      const no = uniqueNo();
      const head = lianlian({ no_order: no, info_order: '' });
      return lianlian({ no_order: no, info_order: 'x'.repeat(size - Buffer.byteLength(head)) });
    };
    const limit = fill(64 * 1024);
    expect(Buffer.byteLength(limit)).toBe(64 * 1024);
    expect((await post('/notify/lianlian', limit)).status).toBe(200);
    expect((await queued(limit))?.raw).toBe(limit);

    const before = await jobCount();
    const tooBig = await post('/notify/lianlian', fill(64 * 1024 + 1));
    expect(tooBig.status).toBe(413);
    expect(await errorCode(tooBig)).toBe('LLRECON_BODY_TOO_LARGE');
    for (const type of ['application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x']) {
      const res = await post('/notify/lianlian', lianlian({ no_order: uniqueNo() }), type);
      expect(res.status, type).toBe(415);
      expect(await errorCode(res)).toBe('LLRECON_UNSUPPORTED_MEDIA_TYPE');
    }
    expect(await jobCount()).toBe(before);
  });

  it('is public: no token needed, and none is required even when one is sent wrong', async () => {
    const raw = lianlian({ no_order: uniqueNo() });
    const res = await fetch(`${stack.url}/notify/lianlian`, {
      method: 'POST',
      headers: { 'content-type': 'text/json', authorization: 'Bearer nope' },
      body: raw,
    });
    expect(res.status).toBe(200);
  });
});

describe('POST /notify/lianlian/return', () => {
  it('turns the url_return form into a JSON object of strings and queues it as a return', async () => {
    const fields = JSON.parse(
      lianlian({ ret_code: '0000', ret_msg: '交易成功', no_order: uniqueNo(), money_order: '1.10', info_order: 'a+b & c=d' }),
    ) as Record<string, string>;
    const res = await post('/notify/lianlian/return', new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    const job = await queued(JSON.stringify(fields), 'return');
    expect(job?.kind).toBe('return');
    expect(JSON.parse(job?.raw ?? 'null')).toEqual(fields);
  });

  it('also takes JSON, byte for byte, and refuses a form field sent twice or a body that is no object', async () => {
    const no = uniqueNo();
    const raw = `{"no_order":"${no}", "money_order":"1.10","oid_partner":"${stack.oidPartner}","sign":"${signatureOf({ oid_partner: stack.oidPartner, no_order: no, money_order: '1.10' })}"}`;
    const res = await post('/notify/lianlian/return', raw, 'application/json');
    expect(res.status).toBe(200);
    expect((await queued(raw, 'return'))?.raw).toBe(raw);

    const before = await jobCount();
    const twice = await post('/notify/lianlian/return', 'no_order=a&no_order=b', 'application/x-www-form-urlencoded');
    expect(twice.status).toBe(400);
    expect(await twice.json()).toMatchObject({ error: { code: 'LLRECON_INVALID_FIELD', field: 'no_order' } });
    expect((await post('/notify/lianlian/return', '[1]', 'application/json')).status).toBe(400);
    expect((await post('/notify/lianlian/return', `{"pad":"${'x'.repeat(64 * 1024)}"}`, 'application/json')).status).toBe(413);
    expect(await jobCount()).toBe(before);
  });
});

describe('a BOM and keys sent twice, the same on both callback paths', () => {
  const BOM = '\uFEFF';

  it('a leading UTF-8 BOM is accepted: the body is queued without it (one job with or without it)', async () => {
    const raw = lianlian({ no_order: uniqueNo(), money_order: '1.10' });
    for (const body of [`${BOM}${raw}`, raw]) {
      const res = await post('/notify/lianlian', body);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(ACK);
    }
    // one job (the same signed content), holding the body without the BOM
    expect((await queued(raw))?.raw).toBe(raw);
    expect(notifyJobId('async', `${BOM}${raw}`)).toBe(notifyJobId('async', raw));

    const json = lianlian({ no_order: uniqueNo(), money_order: '2.00' });
    expect((await post('/notify/lianlian/return', `${BOM}${json}`, 'application/json')).status).toBe(200);
    expect((await queued(json, 'return'))?.raw).toBe(json);
    const fields = JSON.parse(lianlian({ no_order: uniqueNo(), money_order: '3.00' })) as Record<string, string>;
    const form = await post(
      '/notify/lianlian/return',
      `${BOM}${new URLSearchParams(fields).toString()}`,
      'application/x-www-form-urlencoded',
    );
    expect(form.status).toBe(200);
    expect(JSON.parse((await queued(JSON.stringify(fields), 'return'))?.raw ?? 'null')).toEqual(fields);
  });

  it('also as raw bytes EF BB BF, under any JSON type', async () => {
    const raw = lianlian({ no_order: uniqueNo() });
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(raw)]);
    for (const type of ['text/json;charset=utf-8', 'application/json', 'text/json']) {
      const res = await fetch(`${stack.url}/notify/lianlian`, { method: 'POST', headers: { 'content-type': type }, body: bytes });
      expect(res.status, type).toBe(200);
    }
    expect((await queued(raw))?.raw).toBe(raw);
  });

  it('a key sent twice is refused with the same 400 naming it, on the JSON and the form path, and nothing is queued', async () => {
    const before = await jobCount();
    const no = uniqueNo();
    const bodies: Array<[string, string, string]> = [
      ['/notify/lianlian', `{"no_order":"${no}","money_order":"1.00","money_order":"100.00"}`, 'text/json'],
      ['/notify/lianlian', `${BOM}{"no_order":"${no}","money_order":"1.00","money_order":"100.00"}`, 'application/json'],
      ['/notify/lianlian', `{"no_order":"${no}","money_\\u006frder":"1.00","money_order":"100.00"}`, 'text/json'],
      ['/notify/lianlian/return', `{"no_order":"${no}","money_order":"1.00","money_order":"100.00"}`, 'application/json'],
      ['/notify/lianlian/return', `no_order=${no}&money_order=1.00&money_order=100.00`, 'application/x-www-form-urlencoded'],
    ];
    const errors: unknown[] = [];
    for (const [path, body, type] of bodies) {
      const res = await post(path, body, type);
      expect(res.status, body).toBe(400);
      errors.push(((await res.json()) as { error: unknown }).error);
    }
    for (const error of errors)
      expect(error).toEqual({
        code: 'LLRECON_INVALID_FIELD',
        field: 'money_order',
        message: 'money_order: sent more than once: the signed content is ambiguous',
      });
    expect(await jobCount()).toBe(before);
  });
});

describe('a genuine notification with a BOM, end to end', () => {
  let full: Stack;
  beforeAll(async () => {
    // routine polls every 10 minutes: a state reached within seconds was reached through the callback
    full = await startStack({ http: true, env: { POLL_SCHEDULE: '10m' } });
  });
  afterAll(async () => full?.close());

  it("the simulator's signed notification, with a BOM in front, is verified and confirmed by query", async () => {
    const dt = formatLianLianTime(Date.now());
    const no = uniqueNo();
    full.simulator.addOrder({
      oid_partner: full.oidPartner,
      no_order: no,
      dt_order: dt,
      money_order: '88.00',
      timeline: [{ code: 'PR07' }],
    });
    await full.engine.track({ no_order: no, dt_order: dt, money_order: '88.00' }, { source: 'embed' });
    full.simulator.setCode(no, 'PR11');
    const body = full.simulator.signNotification({
      oid_partner: full.oidPartner,
      no_order: no,
      dt_order: dt,
      money_order: '88.00',
      result_pay: 'SUCCESS',
      pay_type: 'F',
    });
    const res = await post('/notify/lianlian', `\uFEFF${body}`, 'text/json;charset=utf-8', full);
    expect(res.status).toBe(200);
    await waitFor(async () => (await full.engine.store.get(no))?.state === 'captured');
    const timeline = await full.engine.store.timeline(no, 100);
    expect(timeline.filter((e) => e.kind === 'callback').map((e) => (e.kind === 'callback' ? e.verdict : ''))).toEqual(['accepted']);
  });
});

describe('when Redis is down', () => {
  it('answers 503 to callbacks (LianLian resends) and to the orders API, /readyz 503, and recovers when Redis is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llrecon-http-redis-'));
    let redis = await startRedisServer({ dir, appendOnly: false });
    const own = await startStack({ http: true, env: { ROLES: 'api', REDIS_URL: redis.url } });
    try {
      const raw = lianlian({ no_order: uniqueNo() }, own);
      expect((await post('/notify/lianlian', raw, 'text/json', own)).status).toBe(200);
      expect((await fetch(`${own.url}/readyz`)).status).toBe(200);

      await redis.stop();
      const down = await post('/notify/lianlian', lianlian({ no_order: uniqueNo() }, own), 'text/json', own);
      expect(down.status).toBe(503);
      expect(await errorCode(down)).toBe('LLRECON_QUEUE_UNAVAILABLE');
      const ready = await fetch(`${own.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ ready: false });

      // the orders API answers at once too, instead of waiting for Redis
      const auth = { authorization: `Bearer ${own.adminToken}`, 'content-type': 'application/json' };
      const order = JSON.stringify({ no_order: uniqueNo(), dt_order: formatLianLianTime(Date.now()) });
      const calls = [
        fetch(`${own.url}/orders`, { method: 'POST', headers: auth, body: order, signal: AbortSignal.timeout(10_000) }),
        fetch(`${own.url}/orders/SOME-ORDER`, { headers: auth, signal: AbortSignal.timeout(10_000) }),
        fetch(`${own.url}/orders/SOME-ORDER/requery`, { method: 'POST', headers: auth, signal: AbortSignal.timeout(10_000) }),
      ];
      for (const res of await Promise.all(calls)) {
        expect(res.status).toBe(503);
        expect(await errorCode(res)).toBe('LLRECON_QUEUE_UNAVAILABLE');
      }

      redis = await startRedisServer({ dir, appendOnly: false, port: redis.port });
      await waitFor(
        async () => (await post('/notify/lianlian', lianlian({ no_order: uniqueNo() }, own), 'text/json', own)).status === 200,
        15_000,
        250,
      );
      // sending the refused order again is safe, and now it is tracked
      const again = await fetch(`${own.url}/orders`, { method: 'POST', headers: auth, body: order });
      expect(again.status).toBe(202);
      expect(((await again.json()) as { accepted: string[] }).accepted).toHaveLength(1);
    } finally {
      await own.close();
      await redis.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('logging', () => {
  it('logs each callback request without its body or the Authorization header', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'trace', destination: { write: (line: string) => void lines.push(line) } });
    const app = await buildApp({ ...stack.engine, log });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    try {
      const secretToken = 'TOKEN-that-must-not-be-logged';
      const body = JSON.stringify({ no_order: uniqueNo(), card_no: CARD, acct_name: '张三丰', sign: 'SIGNATURE-never-logged' });
      for (const [path, raw] of [
        ['/notify/lianlian', body],
        ['/notify/lianlian', body.slice(0, -1)],
        ['/notify/lianlian/return', body],
      ] as const) {
        const res = await fetch(`${url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'text/json', authorization: `Bearer ${secretToken}` },
          body: raw,
        });
        expect(res.status).toBeLessThan(500);
      }
      await fetch(`${url}/orders/${uniqueNo()}`, { headers: { authorization: `Bearer ${stack.adminToken}` } });
    } finally {
      await app.close();
    }
    const text = lines.join('');
    expect(text).toContain('/notify/lianlian/return');
    expect(lines.filter((l) => l.includes('"path":"/notify/lianlian"')).length).toBe(2);
    for (const secret of [CARD, '张三丰', 'SIGNATURE-never-logged', 'TOKEN-that-must-not-be-logged', stack.adminToken, 'card_no'])
      expect(text).not.toContain(secret);
  });
});
