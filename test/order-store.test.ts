// The order store against a real redis-server: tracking (and duplicates), the compare-and-set transition that
// writes state, history and event in one step (exactly once, even raced from ten connections), polls and the
// capped timeline, listing, counts, merchant pauses, the event stream, and memory per tracked order.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ORDER_STATES, type OrderState } from '../src/reconcile/states.js';
import type { CloudEvent } from '../src/store/cloud-event.js';
import { followEvents, readEvents, trimEventsOlderThan, type StreamEvent } from '../src/store/event-stream.js';
import { keyspace } from '../src/store/keyspace.js';
import type { OrderToTrack } from '../src/lianlian/fields.js';
import { OrderStore, type TransitionInput } from '../src/store/order-store.js';

const prefix = `t${randomBytes(4).toString('hex')}`;
const ks = keyspace(prefix);
const OID = '201408071000001543';
const T0 = Date.UTC(2025, 0, 15, 2, 0, 0);
const conns: Redis[] = [];
let redis: Redis;
let store: OrderStore;
let seq = 0;

function connect(): Redis {
  const c = new Redis(inject('redisUrl'));
  conns.push(c);
  return c;
}

function order(overrides: Partial<OrderToTrack> = {}): OrderToTrack {
  seq += 1;
  return {
    no_order: `ORD${Date.now()}${String(seq).padStart(4, '0')}`,
    dt_order: '20250115100000',
    oid_paybill: null,
    pay_type: 'F',
    money_order: '128.50',
    valid_order: 10080,
    platform: null,
    ...overrides,
  };
}

async function tracked(overrides: Partial<OrderToTrack> = {}, at = T0): Promise<OrderToTrack> {
  const o = order(overrides);
  expect(await store.track(o, at, at + 8 * 86_400_000, at + 7 * 86_400_000, { source: 'api' })).toBe(true);
  return o;
}

function change(no: string, expectedVersion: number, to: OrderState, extra: Partial<TransitionInput> = {}): TransitionInput {
  return {
    no_order: no,
    expectedVersion,
    to,
    ret_code: 'PR07',
    ret_msg: '预授权成功',
    via: 'poll',
    at: T0 + 60_000,
    nextPollAt: T0 + 120_000,
    step: 0,
    ...extra,
  };
}

async function eventsOf(no: string): Promise<StreamEvent[]> {
  return (await readEvents(redis, ks, '0', 100_000)).filter((e) => e.event.subject === no);
}

beforeAll(async () => {
  redis = connect();
  store = new OrderStore(redis, ks, OID);
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await Promise.allSettled(conns.map((c) => c.quit()));
});

describe('track', () => {
  it('creates a pending record, indexed, with a tracked history entry; a second track is a duplicate', async () => {
    const o = order({ oid_paybill: '2025011500012345', platform: 'shop.example', pay_type: 'G' });
    expect(await store.track(o, T0, T0 + 1000, T0 + 500, { actor: 'mei', source: 'cli' })).toBe(true);
    expect(await store.get(o.no_order)).toEqual({
      ...o,
      oid_partner: OID,
      state: 'pending',
      ret_code: null,
      ret_msg: null,
      last_seen_code: null,
      version: 0,
      polls: 0,
      step: 0,
      next_poll_at: null,
      tracked_at: T0,
      changed_at: T0,
      horizon_at: T0 + 1000,
      deadline: T0 + 500,
      not_found_since: null,
      final: false,
      paybill_from_lianlian: false,
    });
    expect(await store.history(o.no_order)).toEqual([{ at: T0, kind: 'tracked', state: 'pending', actor: 'mei', source: 'cli' }]);
    expect(await redis.zscore(ks.stateIndex('pending'), o.no_order)).toBe(String(T0));
    expect(await redis.zscore(ks.allOrders, o.no_order)).toBe(String(T0));

    expect(await store.track({ ...o, money_order: '1.00' }, T0 + 5, T0 + 6, null)).toBe(false);
    const again = await store.get(o.no_order);
    expect(again?.money_order).toBe('128.50');
    expect(again?.tracked_at).toBe(T0);
    expect(await store.history(o.no_order)).toHaveLength(1);
  });

  it('trackMany answers per order in one batch, duplicates false', async () => {
    const old = await tracked();
    const a = order();
    const b = order({ money_order: null });
    const res = await store.trackMany(
      [a, old, b].map((o) => ({ order: o, horizonAt: T0 + 10, deadline: null })),
      T0,
      { source: 'import' },
    );
    expect(res).toEqual([true, false, true]);
    expect((await store.getMany([a.no_order, 'NO-SUCH', b.no_order])).map((o) => [o.no_order, o.money_order])).toEqual([
      [a.no_order, '128.50'],
      [b.no_order, null],
    ]);
    expect(await store.trackMany([], T0)).toEqual([]);
  });

  it('knows nothing of an untracked order', async () => {
    expect(await store.get('NOT-TRACKED')).toBeNull();
    expect(await store.history('NOT-TRACKED')).toEqual([]);
    expect(await store.addAction('NOT-TRACKED', { at: T0, actor: 'x', reason: 'y', action: 'requery' })).toBe(false);
    expect(await store.appendTimeline('NOT-TRACKED', { at: T0, kind: 'callback', verdict: 'accepted', reason: 'verified' })).toBe(false);
    expect(await redis.exists(ks.order('NOT-TRACKED'), ks.timeline('NOT-TRACKED'), ks.history('NOT-TRACKED'))).toBe(0);
  });
});

describe('transition', () => {
  it('applies once per expected version: a repeat is a no-op and emits no second event', async () => {
    const o = await tracked({ money_order: null });
    const t = change(o.no_order, 0, 'authorized', { oid_paybill: '2025011599990000', money_order: '99.00' });
    const first = await store.transition(t);
    expect(first).toMatchObject({ applied: true, version: 1, eventId: `${OID}:${o.no_order}:1:authorized` });
    const second = await store.transition(t);
    expect(second.applied).toBe(false);
    expect(second.applied === false && second.current?.version).toBe(1);

    const evs = await eventsOf(o.no_order);
    expect(evs).toHaveLength(1);
    expect(first.applied && first.streamId).toBe(evs[0]?.streamId);
    const rec = await store.get(o.no_order);
    expect(rec).toMatchObject({
      state: 'authorized',
      ret_code: 'PR07',
      ret_msg: '预授权成功',
      last_seen_code: 'PR07',
      version: 1,
      polls: 1,
      changed_at: T0 + 60_000,
      next_poll_at: T0 + 120_000,
      final: false,
      // filled in from the answer: tracking gave neither
      oid_paybill: '2025011599990000',
      money_order: '99.00',
    });
    expect(await store.history(o.no_order)).toHaveLength(2);
  });

  it('writes a stream entry whose fields type and event are the CloudEvent of interface.md', async () => {
    const o = await tracked({ oid_paybill: '2025011500000001' });
    const r = await store.transition(
      change(o.no_order, 0, 'auth_failed', {
        ret_code: 'PR10',
        ret_msg: '预授权失败',
        oid_paybill: '9999',
        money_order: '1.00',
        nextPollAt: null,
      }),
    );
    expect(r.applied).toBe(true);
    const raw = (await redis.xrange(ks.events, '-', '+')).find(([id]) => r.applied && id === r.streamId);
    expect(raw?.[1].filter((_, i) => i % 2 === 0)).toEqual(['type', 'event']);
    const fields = raw?.[1] ?? [];
    expect(fields[1]).toBe('preauth.failed');
    const event = JSON.parse(fields[3] as string) as CloudEvent;
    expect(event).toEqual({
      specversion: '1.0',
      id: `${OID}:${o.no_order}:1:auth_failed`,
      source: 'llrecon',
      type: 'preauth.failed',
      subject: o.no_order,
      time: new Date(T0 + 60_000).toISOString(),
      datacontenttype: 'application/json',
      data: {
        no_order: o.no_order,
        oid_partner: OID,
        // LianLian's oid_paybill replaces the one the merchant gave; tracking's amount wins over the answer's
        oid_paybill: '9999',
        dt_order: o.dt_order,
        money_order: '128.50',
        ret_code: 'PR10',
        ret_msg: '预授权失败',
        state: 'auth_failed',
        previous_state: 'pending',
        via: 'poll',
      },
    });
    expect((await store.get(o.no_order))?.final).toBe(true);
  });

  it('keeps every data key, null when unknown', async () => {
    const o = await tracked({ money_order: null });
    await store.transition(change(o.no_order, 0, 'abandoned', { ret_code: null, ret_msg: null, via: 'horizon', nextPollAt: null }));
    const [e] = await eventsOf(o.no_order);
    expect(e?.type).toBe('preauth.abandoned');
    expect(e?.event.data).toEqual({
      no_order: o.no_order,
      oid_partner: OID,
      oid_paybill: null,
      dt_order: o.dt_order,
      money_order: null,
      ret_code: null,
      ret_msg: null,
      state: 'abandoned',
      previous_state: 'pending',
      via: 'horizon',
    });
  });

  it('lets exactly one of ten connections racing with the same expected version apply', async () => {
    const o = await tracked();
    const racers = Array.from({ length: 10 }, () => new OrderStore(connect(), ks, OID));
    const results = await Promise.all(
      racers.map((s, i) => s.transition(change(o.no_order, 0, i % 2 ? 'authorized' : 'created', { ret_code: i % 2 ? 'PR07' : '2003' }))),
    );
    expect(results.filter((r) => r.applied)).toHaveLength(1);
    expect(await eventsOf(o.no_order)).toHaveLength(1);
    const rec = await store.get(o.no_order);
    expect(rec?.version).toBe(1);
    expect((await store.history(o.no_order)).filter((h) => h.kind === 'change')).toHaveLength(1);
    const members = await Promise.all(ORDER_STATES.map((s) => redis.zscore(ks.stateIndex(s), o.no_order)));
    expect(members.filter((m) => m !== null)).toHaveLength(1);
    expect(await redis.zscore(ks.stateIndex(rec?.state as OrderState), o.no_order)).toBe(String(T0));
  });

  it('refuses a stale version and answers with the order as it is; an unknown order with null', async () => {
    const o = await tracked();
    await store.transition(change(o.no_order, 0, 'authorized'));
    const stale = await store.transition(change(o.no_order, 0, 'captured', { ret_code: 'PR11' }));
    expect(stale).toMatchObject({ applied: false, current: { state: 'authorized', version: 1 } });
    expect(await store.transition(change('NOT-TRACKED', 0, 'authorized'))).toEqual({ applied: false, current: null });
    expect(await eventsOf(o.no_order)).toHaveLength(1);
  });

  it('records history oldest first and moves the order between state indexes and counts', async () => {
    const o = await tracked();
    const before = await store.counts();
    await store.transition(change(o.no_order, 0, 'authorized', { at: T0 + 1 }));
    expect(await store.addAction(o.no_order, { at: T0 + 2, actor: 'mei', reason: 'customer asks', action: 'requery' })).toBe(true);
    await store.transition(change(o.no_order, 1, 'capturing', { at: T0 + 3, ret_code: 'PR12', ret_msg: '完成中', via: 'requery' }));
    await store.transition(change(o.no_order, 2, 'captured', { at: T0 + 4, ret_code: 'PR11', ret_msg: '完成成功', nextPollAt: null }));

    expect(await store.history(o.no_order)).toEqual([
      { at: T0, kind: 'tracked', state: 'pending', source: 'api' },
      { at: T0 + 1, kind: 'change', from: 'pending', to: 'authorized', ret_code: 'PR07', ret_msg: '预授权成功', via: 'poll' },
      { at: T0 + 2, kind: 'action', actor: 'mei', reason: 'customer asks', action: 'requery' },
      { at: T0 + 3, kind: 'change', from: 'authorized', to: 'capturing', ret_code: 'PR12', ret_msg: '完成中', via: 'requery' },
      { at: T0 + 4, kind: 'change', from: 'capturing', to: 'captured', ret_code: 'PR11', ret_msg: '完成成功', via: 'poll' },
    ]);
    expect((await eventsOf(o.no_order)).map((e) => `${e.event.data.previous_state}>${e.event.data.state}:${e.type}:${e.event.id}`)).toEqual(
      [
        `pending>authorized:preauth.authorized:${OID}:${o.no_order}:1:authorized`,
        `authorized>capturing:preauth.updated:${OID}:${o.no_order}:2:capturing`,
        `capturing>captured:preauth.captured:${OID}:${o.no_order}:3:captured`,
      ],
    );
    const after = await store.counts();
    expect(after.pending).toBe(before.pending - 1);
    expect(after.captured).toBe(before.captured + 1);
    expect(after.authorized).toBe(before.authorized);
    expect(Object.keys(after).sort()).toEqual([...ORDER_STATES].sort());
    expect(await redis.zscore(ks.stateIndex('captured'), o.no_order)).toBe(String(T0));
    expect(await redis.zscore(ks.stateIndex('capturing'), o.no_order)).toBeNull();
    const rec = await store.get(o.no_order);
    expect(rec).toMatchObject({ state: 'captured', final: true, next_poll_at: null, version: 3 });
    // the action is in the timeline too
    expect(await store.timeline(o.no_order, 10)).toEqual([
      { at: T0 + 2, kind: 'action', actor: 'mei', reason: 'customer asks', action: 'requery' },
    ]);
  });
});

describe('notePoll and the timeline', () => {
  const poll = (at: number, ret_code: string | null, outcome: string, expectedVersion = 0) => ({
    at,
    expectedVersion,
    ret_code,
    outcome,
    nextPollAt: at + 5000,
    step: 2,
    notFoundSince: ret_code === '8901' ? T0 : null,
    ms: 12,
  });

  it('counts a query that changed nothing, keeps its code as last_seen_code only, and CASes on the version', async () => {
    const o = await tracked();
    expect(await store.notePoll(o.no_order, poll(T0 + 10, '8901', 'not_yet'))).toBe(true);
    expect(await store.get(o.no_order)).toMatchObject({
      state: 'pending',
      ret_code: null,
      last_seen_code: '8901',
      polls: 1,
      step: 2,
      next_poll_at: T0 + 5010,
      not_found_since: T0,
      version: 0,
    });
    // a failure without a code keeps the last code seen
    expect(await store.notePoll(o.no_order, poll(T0 + 20, null, 'failure'))).toBe(true);
    expect(await store.get(o.no_order)).toMatchObject({ last_seen_code: '8901', polls: 2, not_found_since: null });
    await store.transition(change(o.no_order, 0, 'authorized'));
    expect(await store.notePoll(o.no_order, poll(T0 + 30, 'PR07', 'same', 0))).toBe(false);
    expect((await store.get(o.no_order))?.polls).toBe(3);
    expect(await store.notePoll('NOT-TRACKED', poll(T0, 'PR07', 'same'))).toBe(false);
    expect(await redis.exists(ks.order('NOT-TRACKED'), ks.timeline('NOT-TRACKED'))).toBe(0);
  });

  it('collapses a run of identical answers into one entry and caps the timeline at the newest 100', async () => {
    const o = await tracked();
    for (let i = 0; i < 3; i++) expect(await store.notePoll(o.no_order, poll(T0 + i, 'PR07', 'same'))).toBe(true);
    await store.appendTimeline(o.no_order, { at: T0 + 3, kind: 'callback', verdict: 'accepted', reason: 'verified' });
    await store.notePoll(o.no_order, poll(T0 + 4, 'PR07', 'same'));
    await store.notePoll(o.no_order, poll(T0 + 5, null, 'failure'));
    await store.notePoll(o.no_order, poll(T0 + 6, null, 'failure'));
    expect(await store.timeline(o.no_order, 100)).toEqual([
      { at: T0 + 6, kind: 'query', ret_code: null, outcome: 'failure', ms: 12, n: 2, since: T0 + 5 },
      { at: T0 + 4, kind: 'query', ret_code: 'PR07', outcome: 'same', ms: 12 },
      { at: T0 + 3, kind: 'callback', verdict: 'accepted', reason: 'verified' },
      { at: T0 + 2, kind: 'query', ret_code: 'PR07', outcome: 'same', ms: 12, n: 3, since: T0 },
    ]);
    expect((await store.get(o.no_order))?.polls).toBe(6);
    expect(await store.timeline(o.no_order, 2)).toHaveLength(2);

    for (let i = 0; i < 150; i++)
      await store.appendTimeline(o.no_order, { at: T0 + 100 + i, kind: 'query', ret_code: i % 2 ? 'PR07' : '8888', outcome: 'same' });
    const all = await store.timeline(o.no_order, 1000);
    expect(all).toHaveLength(100);
    expect(all[0]?.at).toBe(T0 + 249);
    expect(all[99]?.at).toBe(T0 + 150);
  });
});

describe('list', () => {
  const lks = keyspace(`${prefix}l`);
  let ls: OrderStore;
  const nos: string[] = [];

  beforeAll(async () => {
    ls = new OrderStore(redis, lks, OID);
    // 12 orders tracked a minute apart; every third authorized; two with glob characters in their number
    for (let i = 0; i < 12; i++) {
      const no = i === 10 ? 'SPECIAL*[1]' : i === 11 ? 'SPECIALX1' : `L${String(i).padStart(3, '0')}`;
      nos.push(no);
      await ls.track({ ...order(), no_order: no }, T0 + i * 60_000, T0 + 1e9, null);
      if (i % 3 === 0) await ls.transition(change(no, 0, 'authorized'));
    }
  });

  afterAll(async () => {
    const keys = await redis.keys(`${lks.base}:*`);
    if (keys.length > 0) await redis.del(...keys);
  });

  it('pages every order newest-tracked first, with the total', async () => {
    const p1 = await ls.list({ limit: 5, offset: 0 });
    expect(p1.total).toBe(12);
    expect(p1.orders.map((o) => o.no_order)).toEqual([...nos].reverse().slice(0, 5));
    const p3 = await ls.list({ limit: 5, offset: 10 });
    expect(p3.orders.map((o) => o.no_order)).toEqual([nos[1], nos[0]]);
  });

  it('filters by state and by age (tracked before a time)', async () => {
    const auth = await ls.list({ state: 'authorized', limit: 50, offset: 0 });
    expect(auth.total).toBe(4);
    expect(auth.orders.map((o) => o.no_order)).toEqual(['L009', 'L006', 'L003', 'L000']);
    const old = await ls.list({ olderThan: T0 + 3 * 60_000, limit: 50, offset: 0 });
    expect(old.orders.map((o) => o.no_order)).toEqual(['L002', 'L001', 'L000']);
    const oldAuth = await ls.list({ state: 'authorized', olderThan: T0 + 3 * 60_000, limit: 50, offset: 0 });
    expect(oldAuth).toMatchObject({ total: 1, orders: [{ no_order: 'L000', state: 'authorized' }] });
    expect((await ls.list({ state: 'captured', limit: 5, offset: 0 })).total).toBe(0);
  });

  it('searches a no_order prefix literally, combined with the other filters', async () => {
    expect((await ls.list({ search: 'L00', limit: 50, offset: 0 })).total).toBe(10);
    const star = await ls.list({ search: 'SPECIAL*', limit: 50, offset: 0 });
    expect(star.orders.map((o) => o.no_order)).toEqual(['SPECIAL*[1]']);
    expect((await ls.list({ search: 'SPECIAL', limit: 50, offset: 0 })).total).toBe(2);
    const page = await ls.list({ search: 'L00', state: 'pending', olderThan: T0 + 8 * 60_000, limit: 2, offset: 1 });
    expect(page.total).toBe(5); // L001 L002 L004 L005 L007
    expect(page.orders.map((o) => o.no_order)).toEqual(['L005', 'L004']);
  });
});

describe('merchant pause', () => {
  it('reports the pause until it expires', async () => {
    const oid = `M${randomBytes(3).toString('hex')}`;
    expect(await store.merchantPausedUntil(oid)).toBeNull();
    const at = Date.now();
    await store.pauseMerchant(oid, 300, 'ret_code 1001', at);
    expect(await store.merchantPausedUntil(oid)).toBe(at + 300);
    await new Promise((r) => setTimeout(r, 450));
    expect(await store.merchantPausedUntil(oid)).toBeNull();
  });
});

describe('the event stream', () => {
  const eks = keyspace(`${prefix}e`);
  let es: OrderStore;

  beforeAll(() => {
    es = new OrderStore(redis, eks, OID);
  });

  afterAll(async () => {
    await redis.del(eks.events);
  });

  it('reads events after an id, parsed', async () => {
    const a = order();
    await es.track(a, T0, T0 + 1e9, null);
    await es.transition(change(a.no_order, 0, 'authorized'));
    await es.transition(change(a.no_order, 1, 'voiding', { ret_code: 'PR15' }));
    const all = await readEvents(redis, eks);
    expect(all.map((e) => [e.type, e.event.type, e.event.data.state])).toEqual([
      ['preauth.authorized', 'preauth.authorized', 'authorized'],
      ['preauth.updated', 'preauth.updated', 'voiding'],
    ]);
    expect((await readEvents(redis, eks, all[0]?.streamId)).map((e) => e.streamId)).toEqual([all[1]?.streamId]);
    expect(await readEvents(redis, eks, '0', 1)).toHaveLength(1);
  });

  it('follows new events until aborted, on its own connection', async () => {
    const seen: StreamEvent[] = [];
    const ac = new AbortController();
    // after the newest event now: what '$' means, without racing the follower's first XREAD
    const [newest] = await redis.xrevrange(eks.events, '+', '-', 'COUNT', 1);
    const following = followEvents(redis, eks, newest?.[0] ?? '0', (e) => void seen.push(e), ac.signal);
    const b = order();
    await es.track(b, T0, T0 + 1e9, null);
    await es.transition(change(b.no_order, 0, 'created', { ret_code: '2003' }));
    await es.transition(change(b.no_order, 1, 'expired', { ret_code: '2006' }));
    for (let t = 0; seen.length < 2 && t < 100; t++) await new Promise((r) => setTimeout(r, 20));
    // the shared connection is not blocked meanwhile
    expect(await redis.ping()).toBe('PONG');
    ac.abort();
    await following;
    expect(seen.map((e) => `${e.event.subject}:${e.type}`)).toEqual([`${b.no_order}:preauth.updated`, `${b.no_order}:preauth.expired`]);
  });

  it('trims by age, never by count', async () => {
    const tks = keyspace(`${prefix}tr`);
    const now = 1_800_000_000_000;
    for (const ageMs of [10_000, 5_000, 2_000, 1_000, 0]) await redis.xadd(tks.events, `${now - ageMs}-0`, 'type', 't', 'event', '{}');
    expect(await trimEventsOlderThan(redis, tks, 3_000, now)).toBe(2);
    expect((await redis.xrange(tks.events, '-', '+')).map(([id]) => id)).toEqual([`${now - 2000}-0`, `${now - 1000}-0`, `${now}-0`]);
    expect(await trimEventsOlderThan(redis, tks, 3_000, now)).toBe(0);
    await redis.del(tks.events);
  });
});

describe('memory', () => {
  it('keeps an order waiting for its next poll (hash, indexes, history) within 1000 bytes', async () => {
    const mks = keyspace(`${prefix}m`);
    const ms = new OrderStore(redis, mks, OID);
    const n = 2000;
    const at = Date.now();
    const items = Array.from({ length: n }, (_, i) => ({
      order: { ...order(), no_order: `M${at}${String(i).padStart(8, '0')}x`, platform: 'shop.example.com' },
      horizonAt: at + 8 * 86_400_000,
      deadline: at + 7 * 86_400_000,
    }));
    expect((await ms.trackMany(items, at, { source: 'api', actor: 'importer' })).every(Boolean)).toBe(true);
    // as after its first routine poll: schedule fields set, a code seen
    for (const it of items)
      await ms.notePoll(it.order.no_order, {
        at,
        expectedVersion: 0,
        ret_code: '8901',
        outcome: 'not_yet',
        nextPollAt: at + 30_000,
        step: 1,
        notFoundSince: at,
      });
    const usage = async (key: string) => Number(await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
    let perOrder = 0;
    for (const it of items.slice(0, 100))
      perOrder += (await usage(mks.order(it.order.no_order))) + (await usage(mks.history(it.order.no_order)));
    perOrder /= 100;
    const indexes = ((await usage(mks.stateIndex('pending'))) + (await usage(mks.allOrders))) / n;
    const timeline = (await usage(mks.timeline(items[0]?.order.no_order as string))) as number;
    const total = perOrder + indexes;
    process.stdout.write(
      `memory per tracked order: hash+history ${perOrder.toFixed(0)} B, indexes ${indexes.toFixed(0)} B, total ${total.toFixed(0)} B (+ timeline ${timeline} B once polled)\n`,
    );
    expect(total).toBeLessThanOrEqual(1000);
    const keys = await redis.keys(`${mks.base}:*`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  });
});
