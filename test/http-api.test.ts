// The orders API over real HTTP on loopback, against a real engine on the test Redis: the bearer token on every
// route, tracking one order or a batch (all or nothing), the limits and error shapes, the order view with its
// history, re-queries, unknown routes and methods, and the health and metrics routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

/** Orders tracked but never answered (no query workers): tracking, validation and limits. */
let api: Stack;
/** A whole llrecon polling the simulator: orders that LianLian answers, re-queries. */
let full: Stack;

const dt = formatLianLianTime(Date.now());
let seq = 0;
const newNo = (tag = 'H') => `${tag}${Date.now().toString(36)}${(seq++).toString(36)}${Math.floor(Math.random() * 1e6)}`;

beforeAll(async () => {
  [api, full] = await Promise.all([startStack({ http: true, env: { ROLES: 'api' } }), startStack({ http: true })]);
});
afterAll(async () => {
  await Promise.all([api?.close(), full?.close()]);
});

interface Call {
  method?: string;
  body?: unknown;
  raw?: string;
  token?: string | null;
  headers?: Record<string, string>;
}

/** A request to `s`; with the right bearer token and a JSON body unless told otherwise. */
function call(s: Stack, path: string, c: Call = {}): Promise<Response> {
  const headers: Record<string, string> = { ...c.headers };
  const token = c.token === undefined ? s.adminToken : c.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const body = c.raw ?? (c.body === undefined ? undefined : JSON.stringify(c.body));
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  return fetch(`${s.url}${path}`, { method: c.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
}

async function errorOf(res: Response): Promise<{ code: string; message: string; field?: string }> {
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const json = (await res.json()) as { error: { code: string; message: string; field?: string } };
  expect(typeof json.error.message).toBe('string');
  return json.error;
}

const order = (no: string, over: Record<string, unknown> = {}) => ({ no_order: no, dt_order: dt, money_order: '12.30', ...over });
const tracked = async (s: Stack, no: string) => (await s.engine.store.get(no)) !== null;

describe('the API token', () => {
  const routes = [
    { path: '/orders', c: { body: order('AUTH1') } },
    { path: '/orders/AUTH1', c: {} },
    { path: '/orders/AUTH1/requery', c: { method: 'POST' } },
  ];

  it('is required on every orders route: 401 with WWW-Authenticate Bearer without it, 403 when wrong', async () => {
    for (const { path, c } of routes) {
      const noToken: Array<Record<string, string>> = [
        {},
        { authorization: `Basic ${Buffer.from(`x:${api.adminToken}`).toString('base64')}` },
        { authorization: 'Bearer ' },
      ];
      for (const headers of noToken) {
        const res = await call(api, path, { ...c, token: null, headers });
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
        expect((await errorOf(res)).code).toBe('LLRECON_UNAUTHORIZED');
      }
      for (const wrong of ['wrong', `${api.adminToken}x`, api.adminToken.slice(1), full.adminToken]) {
        const res = await call(api, path, { ...c, token: wrong });
        expect(res.status, `${path} with ${wrong}`).toBe(403);
        expect((await errorOf(res)).code).toBe('LLRECON_FORBIDDEN');
      }
    }
    expect(await tracked(api, 'AUTH1')).toBe(false);
  });

  it('is checked before the body is read, and the scheme is case-insensitive', async () => {
    const big = await call(api, '/orders', { token: null, raw: 'x'.repeat(2 * 1024 * 1024) });
    expect(big.status).toBe(401);
    const broken = await call(api, '/orders', { token: 'wrong', raw: '{"no_order":' });
    expect(broken.status).toBe(403);
    const no = newNo();
    const res = await call(api, '/orders', { token: null, headers: { authorization: `bearer  ${api.adminToken}` }, body: order(no) });
    expect(res.status).toBe(202);
    expect(await tracked(api, no)).toBe(true);
  });
});

describe('POST /orders', () => {
  it('tracks one order (202), and a re-posted one is a duplicate', async () => {
    const no = newNo();
    const first = await call(api, '/orders', { body: order(no) });
    expect(first.status).toBe(202);
    expect(await first.json()).toEqual({ accepted: [no], duplicates: [] });
    expect((await api.engine.store.get(no))?.state).toBe('pending');
    const again = await call(api, '/orders', { body: order(no) });
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ accepted: [], duplicates: [no] });
  });

  it('tracks a batch; already tracked orders and repeats within it are duplicates', async () => {
    const [a, b, c] = [newNo(), newNo(), newNo()];
    await call(api, '/orders', { body: order(a) });
    const res = await call(api, '/orders', { body: { orders: [order(a), order(b), order(c, { pay_type: 'G' }), order(b)] } });
    expect(res.status).toBe(202);
    const json = (await res.json()) as { accepted: string[]; duplicates: string[] };
    expect(json.accepted.sort()).toEqual([b, c].sort());
    expect(json.duplicates.sort()).toEqual([a, b].sort());
    for (const no of [a, b, c]) expect(await tracked(api, no)).toBe(true);
  });

  it('rejects a batch with an invalid item whole, naming the item by index', async () => {
    const [a, b, c] = [newNo(), newNo(), newNo()];
    const res = await call(api, '/orders', { body: { orders: [order(a), order(b, { dt_order: '20230230120000' }), order(c)] } });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).field).toBe('orders[1].dt_order');
    for (const no of [a, b, c]) expect(await tracked(api, no)).toBe(false);

    const single = await call(api, '/orders', { body: order(a, { dt_order: 'yesterday' }) });
    expect(single.status).toBe(400);
    expect((await errorOf(single)).field).toBe('dt_order');
    expect(await tracked(api, a)).toBe(false);
  });

  it('refuses an amount without exactly two decimals ("1.5", "5"), naming the field, alone or in a batch', async () => {
    for (const money of ['1.5', '5', '5.0', '1.005']) {
      const [a, b] = [newNo(), newNo()];
      const single = await call(api, '/orders', { body: order(a, { money_order: money }) });
      expect(single.status, money).toBe(400);
      const error = await errorOf(single);
      expect(error).toMatchObject({ code: 'LLRECON_INVALID_FIELD', field: 'money_order' });
      expect(error.message).toContain('exactly two decimals');
      const batch = await call(api, '/orders', { body: { orders: [order(b), order(a, { money_order: money })] } });
      expect(batch.status, money).toBe(400);
      expect(await errorOf(batch)).toMatchObject({ code: 'LLRECON_INVALID_FIELD', field: 'orders[1].money_order' });
      for (const no of [a, b]) expect(await tracked(api, no)).toBe(false);
    }
  });

  it('takes up to 1000 orders in one batch, in a body of up to 1 MiB, not 1001', async () => {
    const tag = newNo('B');
    const many = (n: number) => ({ orders: Array.from({ length: n }, (_, i) => order(`${tag}-${i}`, { platform: 'web' })) });
    const tooMany = await call(api, '/orders', { body: many(1001) });
    expect(tooMany.status).toBe(400);
    expect((await errorOf(tooMany)).code).toBe('LLRECON_TOO_MANY_ORDERS');
    expect(await tracked(api, `${tag}-0`)).toBe(false);

    // padded with JSON whitespace to exactly 1 MiB: the largest body accepted
    const json1000 = JSON.stringify(many(1000));
    const body = `${json1000.slice(0, -1)}${' '.repeat(1024 * 1024 - json1000.length)}}`;
    expect(Buffer.byteLength(body)).toBe(1024 * 1024);
    const res = await call(api, '/orders', { raw: body });
    const json = (await res.json()) as { accepted: string[] };
    expect(res.status).toBe(202);
    expect(json.accepted).toHaveLength(1000);
    expect(await tracked(api, `${tag}-999`)).toBe(true);
  });

  it('answers 413 for a body of 1 MiB + 1 byte, 415 for other content types, 400 for malformed JSON', async () => {
    const no = newNo();
    const json = JSON.stringify(order(no));
    const big = await call(api, '/orders', { raw: `${json.slice(0, -1)}${' '.repeat(1024 * 1024 - json.length + 1)}}` });
    expect(big.status).toBe(413);
    expect((await errorOf(big)).code).toBe('LLRECON_BODY_TOO_LARGE');

    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'text/json']) {
      const res = await call(api, '/orders', { raw: JSON.stringify(order(no)), headers: { 'content-type': type } });
      expect(res.status, type).toBe(415);
      expect((await errorOf(res)).code).toBe('LLRECON_UNSUPPORTED_MEDIA_TYPE');
    }

    for (const raw of ['{"no_order":', '{no_order: 1}', '{"__proto__":{"x":1}}']) {
      const res = await call(api, '/orders', { raw });
      expect(res.status, raw).toBe(400);
      const err = await errorOf(res);
      expect(err.code).toBe('LLRECON_INVALID_JSON');
      expect(err).not.toHaveProperty('field');
    }

    for (const raw of ['[]', '"x"', '']) {
      const res = await call(api, '/orders', { raw });
      expect(res.status, raw).toBe(400);
    }
    expect(await tracked(api, no)).toBe(false);
  });
});

const ORDER_KEYS = [
  'no_order',
  'state',
  'ret_code',
  'ret_msg',
  'money_order',
  'oid_paybill',
  'dt_order',
  'polls',
  'next_poll_at',
  'final',
  'tracked_at',
  'untracked',
  'untracked_at',
  'history',
];

describe('GET /orders/:no_order', () => {
  it('shows every key of a tracked, unanswered order (null when unknown), times in RFC 3339 UTC', async () => {
    const no = newNo();
    await call(api, '/orders', { body: order(no), headers: { 'x-llrecon-actor': 'ops-script' } });
    const res = await call(api, `/orders/${no}`);
    expect(res.status).toBe(200);
    const json = (await res.json()) as Record<string, unknown> & { history: Array<Record<string, unknown>> };
    expect(Object.keys(json).sort()).toEqual([...ORDER_KEYS].sort());
    expect(json).toMatchObject({
      no_order: no,
      state: 'pending',
      ret_code: null,
      ret_msg: null,
      money_order: '12.30',
      oid_paybill: null,
      dt_order: dt,
      polls: 0,
      final: false,
      untracked: false,
      untracked_at: null,
    });
    expect(json.tracked_at).toMatch(/Z$/);
    expect(json.history).toHaveLength(1);
    // the token's user is who tracked it; the X-Llrecon-Actor name is kept as a claim
    expect(json.history[0]).toMatchObject({ kind: 'tracked', state: 'pending', actor: 'admin (on behalf of ops-script)' });
    expect(json.history[0]?.time).toMatch(/Z$/);
    expect(Math.abs(Date.parse(json.history[0]?.time as string) - Date.now())).toBeLessThan(60_000);
  });

  it('shows LianLian’s answer and each change of state once the order is answered', async () => {
    const no = newNo('G');
    full.simulator.addOrder({
      oid_partner: full.oidPartner,
      no_order: no,
      dt_order: dt,
      money_order: '12.30',
      timeline: [{ code: 'PR07' }],
    });
    expect((await call(full, '/orders', { body: order(no) })).status).toBe(202);
    await waitFor(async () => (await full.engine.store.get(no))?.state === 'authorized');
    const json = (await (await call(full, `/orders/${no}`)).json()) as Record<string, unknown> & {
      history: Array<Record<string, unknown>>;
    };
    expect(Object.keys(json).sort()).toEqual([...ORDER_KEYS].sort());
    expect(json).toMatchObject({ no_order: no, state: 'authorized', ret_code: 'PR07', final: false });
    expect(typeof json.ret_msg).toBe('string');
    expect(json.next_poll_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const change = json.history.find((h) => h.kind === 'change');
    expect(change).toMatchObject({ state: 'authorized', previous_state: 'pending', ret_code: 'PR07', via: 'poll' });
    expect(change?.time).toMatch(/Z$/);
  });

  it('answers 404 for an order that is not tracked', async () => {
    const res = await call(api, `/orders/${newNo('NONE')}`);
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe('LLRECON_ORDER_NOT_FOUND');
  });
});

describe('POST /orders/:no_order/requery', () => {
  it('queues a re-query (202) and records who asked and why in the history', async () => {
    const no = newNo('R');
    full.simulator.addOrder({
      oid_partner: full.oidPartner,
      no_order: no,
      dt_order: dt,
      money_order: '12.30',
      timeline: [{ code: 'PR07' }],
    });
    await call(full, '/orders', { body: order(no) });
    const res = await call(full, `/orders/${no}/requery`, { body: { reason: 'customer called', actor: 'ann' } });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ requeued: no });
    const bare = await call(full, `/orders/${no}/requery`, { method: 'POST' });
    expect(bare.status).toBe(202);
    const json = (await (await call(full, `/orders/${no}`)).json()) as { history: Array<Record<string, unknown>> };
    const actions = json.history.filter((h) => h.kind === 'action');
    expect(actions).toHaveLength(2);
    expect(actions[0]).toMatchObject({ action: 'requery', actor: 'admin (on behalf of ann)', reason: 'customer called' });
    expect(actions[1]).toMatchObject({ action: 'requery', actor: 'admin' });
    expect(actions[0]?.time).toMatch(/Z$/);
  });

  it('answers 404 for an unknown order and 400 naming the field for a bad reason or actor', async () => {
    const missing = await call(full, `/orders/${newNo('NONE')}/requery`, { body: { reason: 'x' } });
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).code).toBe('LLRECON_ORDER_NOT_FOUND');

    const no = newNo('R');
    await call(api, '/orders', { body: order(no) });
    const cases: Array<[unknown, string]> = [
      [{ reason: 'x'.repeat(201) }, 'reason'],
      [{ actor: 42 }, 'actor'],
      [{ reason: 'ok', why: 'no' }, 'why'],
    ];
    for (const [body, field] of cases) {
      const res = await call(api, `/orders/${no}/requery`, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await errorOf(res)).field).toBe(field);
    }
    expect((await call(api, `/orders/${no}/requery`, { body: { reason: 'x'.repeat(200) } })).status).toBe(202);
  });
});

describe('routes, health and metrics', () => {
  it('answers unknown routes with 404 and wrong methods with 405 and Allow, as JSON errors', async () => {
    const unknown = await call(api, '/nowhere');
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).code).toBe('LLRECON_ROUTE_NOT_FOUND');
    const wrong = await call(api, '/healthz', { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toContain('GET');
    expect((await errorOf(wrong)).code).toBe('LLRECON_METHOD_NOT_ALLOWED');
    const badUrl = await call(api, '/orders/%E0%A4%A');
    expect(badUrl.status).toBe(400);
    expect((await errorOf(badUrl)).code).toBe('LLRECON_BAD_REQUEST');
  });

  it('serves /healthz, /readyz and /metrics without a token', async () => {
    const health = await call(full, '/healthz', { token: null });
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    const ready = await call(full, '/readyz', { token: null });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, checks: { redis: true, workers: true } });

    const metrics = await call(full, '/metrics', { token: null });
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await metrics.text();
    expect(text).toMatch(/^# HELP llrecon_queries_total /m);
    expect(text).toMatch(/^llrecon_orders\{state="[a-z_]+"\} \d+/m);
  });
});
