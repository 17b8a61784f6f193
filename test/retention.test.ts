// Retention against a real engine and Redis with ORDERS_RETENTION=1s: a final order and an untracked one are
// removed (record, history, timeline, index entries) once they ended longer ago than that, not before; an order
// still tracked stays however old; failed jobs older than the retention go; and one process sweeps per period.
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { retentionClaimKey, sweepRetention } from '../src/store/retention.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

let stack: Stack;
const dt = formatLianLianTime(Date.now());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  stack = await startStack({ env: { ORDERS_RETENTION: '1s' } });
});
afterAll(async () => {
  await stack?.close();
});

/** Every key and index entry an order has. */
async function traces(no: string): Promise<Record<string, unknown>> {
  const { redis, ks } = stack.engine.ctx;
  return {
    keys: await redis.exists(ks.order(no), ks.history(no), ks.timeline(no), ks.orderRejectedCallbacks(no)),
    all: await redis.zscore(ks.allOrders, no),
    untracked: await redis.zscore(ks.untrackedOrders, no),
    final: await redis.zscore(ks.stateIndex('auth_failed'), no),
  };
}

describe('retention', () => {
  it('removes final and untracked orders ORDERS_RETENTION after they ended, never a tracked one', async () => {
    const tag = `RT${Date.now()}`;
    const [fin, open, gone] = [`${tag}F`, `${tag}P`, `${tag}U`];
    stack.simulator.addOrder({
      oid_partner: stack.oidPartner,
      no_order: fin,
      dt_order: dt,
      money_order: '5.00',
      timeline: [{ code: 'PR10' }],
    });
    await stack.engine.track(
      { orders: [fin, open, gone].map((no) => ({ no_order: no, dt_order: dt, money_order: '5.00' })) },
      { source: 'embed' },
    );
    await waitFor(async () => (await stack.engine.store.get(fin))?.state === 'auth_failed');
    await waitFor(async () => ((await stack.engine.store.get(open))?.polls ?? 0) >= 1);
    expect(await stack.engine.untrack(gone, { source: 'embed', actor: 'test', reason: 'gone' })).toMatchObject({ already: false });
    // a rejected callback naming the order, kept in its own list
    await stack.engine.ctx.redis.lpush(stack.engine.ctx.ks.orderRejectedCallbacks(fin), '{"reason":"mismatch"}');

    // ended just now: kept
    await stack.engine.retention();
    for (const no of [fin, open, gone]) expect(await stack.engine.store.get(no), no).not.toBeNull();

    await sleep(1200);
    const r = await stack.engine.retention();
    expect(r.swept).toBe(true);
    expect(r.ordersRemoved).toBeGreaterThanOrEqual(2);
    expect(await stack.engine.store.get(fin)).toBeNull();
    expect(await stack.engine.store.get(gone)).toBeNull();
    expect(await traces(fin)).toEqual({ keys: 0, all: null, untracked: null, final: null });
    expect(await traces(gone)).toEqual({ keys: 0, all: null, untracked: null, final: null });
    // tracked, older than the retention, still polled
    expect((await stack.engine.store.get(open))?.state).toBe('pending');
    expect(await stack.engine.ctx.redis.zscore(stack.engine.ctx.ks.allOrders, open)).not.toBeNull();
    // removed orders are gone from the listing too
    const page = await stack.engine.listOrders({ limit: 1000 });
    expect(page.orders.map((o) => o.no_order)).not.toContain(fin);
    expect(page.orders.map((o) => o.no_order)).toContain(open);
  });

  it('removes failed jobs older than the retention', async () => {
    const { ks } = stack.engine.ctx;
    const connection = { url: stack.config.redisUrl as string } as ConnectionOptions;
    const name = `probe${Date.now()}`;
    const queue = new Queue(name, { connection, prefix: ks.bullPrefix });
    const worker = new Worker(
      name,
      () => {
        throw new Error('fails on purpose');
      },
      { connection, prefix: ks.bullPrefix },
    );
    try {
      await queue.add('x', {}, { attempts: 1 });
      await waitFor(async () => (await queue.getFailedCount()) === 1);
      const young = await sweepRetention(stack.engine.ctx, { retentionMs: 60_000, now: Date.now(), queues: [queue], claimMs: 0 });
      expect(young.failedJobsRemoved).toBe(0);
      await sleep(1100);
      const old = await sweepRetention(stack.engine.ctx, { retentionMs: 1000, now: Date.now(), queues: [queue], claimMs: 0 });
      expect(old.failedJobsRemoved).toBe(1);
      expect(await queue.getFailedCount()).toBe(0);
    } finally {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('is swept by one process per period: whoever claims it first', async () => {
    const conn = stack.engine.ctx;
    // the engine claimed this period when it started
    expect(await conn.redis.pttl(retentionClaimKey(conn))).toBeGreaterThan(0);
    const opts = { retentionMs: 1000, now: Date.now(), claimMs: 60_000 };
    expect((await sweepRetention(conn, opts)).swept).toBe(false);
    await conn.redis.del(retentionClaimKey(conn));
    expect((await sweepRetention(conn, opts)).swept).toBe(true);
    expect((await sweepRetention(conn, opts)).swept).toBe(false);
  });
});
