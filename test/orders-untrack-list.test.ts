// Issue 11's operator routes over real HTTP against a real engine and Redis: an order posted again with other
// values is a conflict naming them (the same one stays a duplicate); GET /orders lists newest first behind a
// stable cursor with bounded pages and 400s naming a bad parameter; DELETE /orders/:no_order untracks with a
// reason (who and why in the history, one preauth.untracked event, polling stops, posting again tracks it again);
// and llrecon_poll_lag_seconds shows how late polls ran.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { pollJobId } from '../src/queues/names.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

/** Orders tracked but never queried (ROLES=api): conflicts and listing. */
let api: Stack;
/** A whole llrecon polling the simulator every 50 ms: untracking. */
let full: Stack;

const dt = formatLianLianTime(Date.now());
const dt2 = formatLianLianTime(Date.now() - 3_600_000);
let seq = 0;
const newNo = (tag = 'U') => `${tag}${Date.now().toString(36)}${(seq++).toString(36)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  [api, full] = await Promise.all([startStack({ http: true, env: { ROLES: 'api' } }), startStack({ http: true })]);
});
afterAll(async () => {
  await Promise.all([api?.close(), full?.close()]);
});

function call(s: Stack, path: string, c: { method?: string; body?: unknown; token?: string } = {}): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${c.token ?? s.adminToken}` };
  const body = c.body === undefined ? undefined : JSON.stringify(c.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(`${s.url}${path}`, { method: c.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
}
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string; field?: string } }).error;
const order = (no: string, over: Record<string, unknown> = {}) => ({ no_order: no, dt_order: dt, money_order: '12.30', ...over });

describe('posting a tracked order again', () => {
  it('with the same values is a duplicate; with another amount or dt_order a 409 naming the fields', async () => {
    const no = newNo('C');
    expect((await call(api, '/orders', { body: order(no) })).status).toBe(202);
    const same = await call(api, '/orders', { body: order(no) });
    expect(await same.json()).toEqual({ accepted: [], duplicates: [no] });
    // leaving an optional field out is no difference
    expect(await (await call(api, '/orders', { body: { no_order: no, dt_order: dt } })).json()).toEqual({ accepted: [], duplicates: [no] });

    const amount = await call(api, '/orders', { body: order(no, { money_order: '99.00' }) });
    expect(amount.status).toBe(409);
    const e1 = await errorOf(amount);
    expect(e1.code).toBe('LLRECON_ORDER_CONFLICT');
    expect(e1.field).toBe('money_order');
    expect(e1.message).toContain('money_order tracked 12.30, posted 99.00');

    const both = await errorOf(await call(api, '/orders', { body: order(no, { money_order: '99.00', dt_order: dt2, pay_type: 'G' }) }));
    expect(both.code).toBe('LLRECON_ORDER_CONFLICT');
    for (const f of ['dt_order', 'money_order', 'pay_type']) expect(both.message).toContain(`${f} tracked`);
    expect((await api.engine.store.get(no))?.money_order).toBe('12.30');
  });

  it('in a batch refuses the whole batch, naming the item; a number twice in one batch with other values too', async () => {
    const old = newNo('C');
    const fresh = newNo('C');
    await call(api, '/orders', { body: order(old) });
    const res = await call(api, '/orders', { body: { orders: [order(fresh), order(old, { money_order: '1.00' })] } });
    expect(res.status).toBe(409);
    const e = await errorOf(res);
    expect(e.field).toBe('orders[1].money_order');
    expect(e.message).toContain(old);
    expect(await api.engine.store.get(fresh)).toBeNull();

    const twice = newNo('C');
    const inner = await call(api, '/orders', { body: { orders: [order(twice), order(twice, { dt_order: dt2 })] } });
    expect(inner.status).toBe(409);
    expect((await errorOf(inner)).field).toBe('orders[1].dt_order');
    expect(await api.engine.store.get(twice)).toBeNull();
    const dup = await call(api, '/orders', { body: { orders: [order(twice), order(twice)] } });
    expect(await dup.json()).toEqual({ accepted: [twice], duplicates: [twice] });
  });
});

describe('GET /orders', () => {
  interface Page {
    orders: Array<{ no_order: string; state: string; untracked: boolean; tracked_at: string }>;
    next_cursor: string | null;
  }
  const page = async (s: Stack, q: string): Promise<Page> => {
    const res = await call(s, `/orders?${q}`);
    expect(res.status, q).toBe(200);
    return (await res.json()) as Page;
  };

  it('pages newest first behind a cursor that stays right while orders are added', async () => {
    const tag = newNo('L');
    const first = Array.from({ length: 3 }, (_, i) => `${tag}a${i}`);
    // one batch: three orders with one tracked_at (ties are ordered by number)
    await call(api, '/orders', { body: { orders: first.map((n) => order(n)) } });
    await sleep(5);
    const second = [`${tag}b0`, `${tag}b1`];
    for (const n of second) {
      await call(api, '/orders', { body: order(n) });
      await sleep(5);
    }
    const since = new Date(Date.now() - 60_000).toISOString();
    const seen: string[] = [];
    let cursor: string | null = null;
    let added = false;
    do {
      const p: Page = await page(api, `limit=2&since=${encodeURIComponent(since)}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(p.orders.length).toBeLessThanOrEqual(2);
      seen.push(...p.orders.map((o) => o.no_order).filter((n) => n.startsWith(tag)));
      cursor = p.next_cursor;
      if (!added) {
        // a new order after the first page does not shift the next one
        await call(api, '/orders', { body: order(`${tag}c0`) });
        added = true;
      }
    } while (cursor !== null);
    expect(seen).toEqual([`${tag}b1`, `${tag}b0`, `${tag}a2`, `${tag}a1`, `${tag}a0`]);
    const all = await page(api, `limit=1000&since=${encodeURIComponent(since)}`);
    expect(all.orders.map((o) => o.no_order).filter((n) => n.startsWith(tag))[0]).toBe(`${tag}c0`);
    expect(all.orders[0]).toMatchObject({ state: 'pending', untracked: false });
    expect((await page(api, 'state=pending&limit=5')).orders.every((o) => o.state === 'pending')).toBe(true);
    expect((await page(api, 'state=captured')).orders).toEqual([]);
    expect((await page(api, '')).orders.length).toBeLessThanOrEqual(100);
  });

  it('answers 400 naming a bad parameter', async () => {
    for (const [q, field] of [
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['limit=ten', 'limit'],
      ['state=lost', 'state'],
      ['since=yesterday', 'since'],
      ['since=2026-11-24T10:30:00', 'since'],
      ['cursor=%25%25', 'cursor'],
      ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
      ['colour=red', 'colour'],
      ['limit=1&limit=2', 'limit'],
    ] as const) {
      const res = await call(api, `/orders?${q}`);
      expect(res.status, q).toBe(400);
      const e = await errorOf(res);
      expect(e.field, q).toBe(field);
      expect(e.code, q).toBe('LLRECON_INVALID_FIELD');
    }
  });
});

describe('DELETE /orders/:no_order', () => {
  const untrackedEvents = async (no: string) => {
    const rows = await full.engine.ctx.redis.xrange(full.engine.ctx.ks.events, '-', '+');
    return rows
      .map(
        ([, fields]) =>
          JSON.parse(fields[fields.indexOf('event') + 1] as string) as { id: string; type: string; data: Record<string, unknown> },
      )
      .filter((e) => e.type === 'preauth.untracked' && e.data.no_order === no);
  };

  it('wants a reason and a known order', async () => {
    const no = newNo('D');
    await call(full, '/orders', { body: order(no) });
    const bare = await call(full, `/orders/${no}`, { method: 'DELETE' });
    expect(bare.status).toBe(400);
    expect((await errorOf(bare)).field).toBe('reason');
    expect((await errorOf(await call(full, `/orders/${no}`, { method: 'DELETE', body: { reason: '  ' } }))).field).toBe('reason');
    const unknown = await call(full, `/orders/${no}-none`, { method: 'DELETE', body: { reason: 'typo' } });
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).code).toBe('LLRECON_ORDER_NOT_FOUND');
  });

  it('stops polling, records who and why, emits one preauth.untracked; posting again tracks it again', async () => {
    const no = newNo('D');
    // LianLian does not know it: "no record" answers, polled every 50 ms
    await call(full, '/orders', { body: order(no) });
    await waitFor(async () => ((await full.engine.store.get(no))?.polls ?? 0) >= 2);

    const res = await call(full, `/orders/${no}`, { method: 'DELETE', body: { reason: 'cancelled in the shop', actor: 'mei' } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ no_order: no, state: 'pending', untracked: true, already: false });
    await waitFor(async () => (await full.engine.ctx.queues.poll.getJob(pollJobId(no))) === undefined);
    await sleep(300);
    const polls = (await full.engine.store.get(no))?.polls;
    await sleep(600);
    expect((await full.engine.store.get(no))?.polls).toBe(polls);

    const view = (await (await call(full, `/orders/${no}`)).json()) as { untracked: boolean; next_poll_at: unknown; history: unknown[] };
    expect(view.untracked).toBe(true);
    expect(view.next_poll_at).toBeNull();
    expect(view.history).toContainEqual(
      expect.objectContaining({ kind: 'action', action: 'untrack', actor: 'admin (on behalf of mei)', reason: 'cancelled in the shop' }),
    );
    const events = await untrackedEvents(no);
    expect(events).toHaveLength(1);
    expect(events[0]?.data).toEqual({
      no_order: no,
      oid_partner: full.oidPartner,
      state: 'pending',
      actor: 'admin (on behalf of mei)',
      reason: 'cancelled in the shop',
    });
    expect(events[0]?.id).toBe(`${full.oidPartner}:${no}:untracked:1`);

    // again: nothing new
    const again = (await (await call(full, `/orders/${no}`, { method: 'DELETE', body: { reason: 'twice' } })).json()) as Record<
      string,
      unknown
    >;
    expect(again).toMatchObject({ already: true, event_id: null });
    expect(await untrackedEvents(no)).toHaveLength(1);
    // listed as untracked, not under its state
    const listed = (await (await call(full, '/orders?state=untracked&limit=1000')).json()) as { orders: Array<{ no_order: string }> };
    expect(listed.orders.map((o) => o.no_order)).toContain(no);
    const pending = (await (await call(full, '/orders?state=pending&limit=1000')).json()) as { orders: Array<{ no_order: string }> };
    expect(pending.orders.map((o) => o.no_order)).not.toContain(no);
    // a re-query is refused until it is tracked again
    const requery = await call(full, `/orders/${no}/requery`, { method: 'POST' });
    expect(requery.status).toBe(409);
    expect((await errorOf(requery)).code).toBe('LLRECON_ORDER_UNTRACKED');

    // posting it again tracks it again: polled once more; untracking then is a new event
    expect(await (await call(full, '/orders', { body: order(no) })).json()).toEqual({ accepted: [no], duplicates: [] });
    await waitFor(async () => ((await full.engine.store.get(no))?.polls ?? 0) > (polls ?? 0));
    expect((await (await call(full, `/orders/${no}`)).json()) as Record<string, unknown>).toMatchObject({ untracked: false });
    await call(full, `/orders/${no}`, { method: 'DELETE', body: { reason: 'for good' } });
    expect((await untrackedEvents(no)).map((e) => e.id)).toEqual([
      `${full.oidPartner}:${no}:untracked:1`,
      `${full.oidPartner}:${no}:untracked:2`,
    ]);
  });
});

describe('llrecon_poll_lag_seconds', () => {
  it('is exposed from start-up and counts the polls that ran', async () => {
    const scrape = async () => (await (await fetch(`${full.url}/metrics`)).text()).match(/^llrecon_poll_lag_seconds_count (\d+)/m);
    await expect(scrape()).resolves.not.toBeNull();
    const before = Number((await scrape())?.[1]);
    const no = newNo('G');
    await call(full, '/orders', { body: order(no) });
    await waitFor(async () => ((await full.engine.store.get(no))?.polls ?? 0) >= 2);
    expect(Number((await scrape())?.[1])).toBeGreaterThanOrEqual(before + 2);
  });
});
