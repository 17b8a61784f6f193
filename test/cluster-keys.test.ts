// In cluster mode every key of the keyspace (ours and BullMQ's) hashes to ONE slot, by Redis Cluster's rule
// (CRC16 of the hash tag, mod 16384) — and a real three-master Cluster agrees, and runs the store's scripts.
import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_STATES } from '../src/reconcile/states.js';
import { readEvents } from '../src/store/event-stream.js';
import { keyspace, type Keyspace } from '../src/store/keyspace.js';
import { OrderStore } from '../src/store/order-store.js';
import { SlidingWindowLimiter } from '../src/store/rate-limiter.js';
import { deliveryHistory, recordAttempt, settledVersions } from '../src/webhooks/delivery-log.js';
import { startCluster, type TestCluster } from './support/cluster.js';

/** CRC16-CCITT (XMODEM), as Redis Cluster computes it. */
function crc16(s: string): number {
  let crc = 0;
  for (const byte of Buffer.from(s, 'utf8')) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The slot of a key: only the hash tag (between the first `{` and the next `}`) counts, when not empty. */
function slotOf(key: string): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return crc16(key.slice(open + 1, close)) % 16384;
  }
  return crc16(key) % 16384;
}

/** Every key the keyspace builds, with awkward order numbers, and a BullMQ key under its prefix. */
function allKeys(ks: Keyspace): string[] {
  const nos = ['ORD-1', '{evil}', 'a}b{c', '订单-7'];
  return [
    ...nos.flatMap((no) => [ks.order(no), ks.history(no), ks.timeline(no)]),
    ...ORDER_STATES.map((s) => ks.stateIndex(s)),
    ks.allOrders,
    ks.events,
    ks.rateLog,
    ks.rateWaiters,
    ks.merchantPause('201408071000001543'),
    ks.rejectedCallbacks,
    ks.untrackedCallbacks,
    ks.callbackNoted('n-async-0123abcd'),
    ks.webhookAttempts('201408071000001543:ORD-1:1'),
    ks.webhookSettled('{evil}'),
    `${ks.bullPrefix}:poll:p-ORD-1`,
    `${ks.bullPrefix}:poll:delayed`,
  ];
}

describe('the keyspace', () => {
  it('computes slots as Redis does', () => {
    expect(crc16('123456789')).toBe(0x31c3); // the check value in the Redis Cluster specification
    expect(slotOf('{user1000}.following')).toBe(slotOf('user1000'));
    expect(slotOf('foo{}{bar}')).toBe(crc16('foo{}{bar}') % 16384);
  });

  it('puts every key in one slot in cluster mode, the prefix as hash tag', () => {
    for (const prefix of ['llrecon', 'shop-b', 'x']) {
      const ks = keyspace(prefix, true);
      expect(ks.base).toBe(`{${prefix}}`);
      expect(ks.bullPrefix).toBe(ks.base);
      expect(ks.events).toBe(`{${prefix}}:events`);
      const slots = new Set(allKeys(ks).map(slotOf));
      expect([...slots]).toEqual([crc16(prefix) % 16384]);
    }
  });

  it('uses the bare prefix outside cluster mode, and keeps keys distinct', () => {
    const ks = keyspace();
    expect(ks.base).toBe('llrecon');
    expect(ks.events).toBe('llrecon:events');
    expect(ks.order('A')).toBe('llrecon:order:A');
    const keys = allKeys(ks);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe('on a real Redis Cluster', () => {
  let cluster: TestCluster;
  let redis: Cluster;
  const prefix = `c${randomBytes(4).toString('hex')}`;
  const ks = keyspace(prefix, true);

  beforeAll(async () => {
    cluster = await startCluster();
    const seed = new URL(cluster.seedUrl);
    redis = new Cluster([{ host: seed.hostname, port: Number(seed.port) }]);
    await redis.ping();
  }, 60_000);

  afterAll(async () => {
    await redis?.quit();
    await cluster?.stop();
  });

  it('agrees on the slot of every key', async () => {
    const node = redis.nodes('master')[0];
    for (const key of allKeys(ks)) expect(Number(await node?.call('CLUSTER', 'KEYSLOT', key))).toBe(slotOf(key));
  });

  it('runs the store, rate limiter and webhook delivery log scripts (no CROSSSLOT)', async () => {
    const store = new OrderStore(redis, ks, '201408071000001543');
    const base = {
      dt_order: '20250115100000',
      oid_paybill: null,
      pay_type: 'F' as const,
      money_order: '1.00',
      valid_order: 60,
      platform: null,
    };
    expect(await store.track({ ...base, no_order: '{evil}' }, 1000, 2000, null)).toBe(true);
    expect(await store.trackMany([{ order: { ...base, no_order: 'B-2' }, horizonAt: 2000, deadline: null }], 1000)).toEqual([true]);
    const r = await store.transition({
      no_order: '{evil}',
      expectedVersion: 0,
      to: 'authorized',
      ret_code: 'PR07',
      ret_msg: 'ok',
      via: 'poll',
      at: 1500,
      nextPollAt: 1600,
      step: 0,
    });
    expect(r.applied).toBe(true);
    expect(
      await store.notePoll('B-2', {
        at: 1500,
        expectedVersion: 0,
        ret_code: '8901',
        outcome: 'not_yet',
        nextPollAt: 1600,
        step: 1,
        notFoundSince: 1500,
      }),
    ).toBe(true);
    expect(await store.addAction('B-2', { at: 1550, actor: 'ops', reason: 'check', action: 'requery' })).toBe(true);
    expect((await store.counts()).authorized).toBe(1);
    expect((await store.list({ search: 'B', limit: 10, offset: 0 })).orders.map((o) => o.no_order)).toEqual(['B-2']);
    expect((await readEvents(redis, ks)).map((e) => e.event.subject)).toEqual(['{evil}']);
    await new SlidingWindowLimiter(redis, ks, { limit: 5 }).acquire('high');
    expect(await redis.zcard(ks.rateLog)).toBe(1); // the grant is logged under the keyspace's slot
    expect(await redis.zcard(ks.rateWaiters)).toBe(0); // and the high waiter withdrew
    const sink = { redis, ks, config: { eventsRetentionMs: 60_000 } };
    const attempt = { at: 1600, attempt: 1, result: 'delivered' as const, status: 200, ms: 5 };
    await recordAttempt(sink, { id: 'E-1', no: '{evil}', v: 1 }, attempt, true);
    expect(await deliveryHistory(sink, 'E-1')).toEqual([attempt]);
    expect(await settledVersions(sink, ['{evil}'])).toEqual([1]);
  });
});
