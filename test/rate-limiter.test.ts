// The global query cap against a real redis-server: never more than `limit` starts in any window, across
// separate connections (as separate processes would be), and high-priority acquirers ahead of routine ones.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { isLlreconError } from '../src/errors.js';
import { keyspace, type Keyspace } from '../src/store/keyspace.js';
import { SlidingWindowLimiter } from '../src/store/rate-limiter.js';

const prefix = `t${randomBytes(4).toString('hex')}`;
const conns: Redis[] = [];
let n = 0;

function connect(): Redis {
  const c = new Redis(inject('redisUrl'));
  conns.push(c);
  return c;
}

/** A keyspace of its own for each test. */
function freshKs(): Keyspace {
  n += 1;
  return keyspace(`${prefix}${n}`);
}

/** Every start logged in `ks`'s rate log while `work` runs (entries stay ≥ one window: polling cannot miss one). */
async function recordStarts(ks: Keyspace, work: Promise<unknown>): Promise<number[]> {
  const reader = connect();
  const seen = new Map<string, number>();
  let done = false;
  const read = async () => {
    const flat = await reader.zrange(ks.rateLog, 0, -1, 'WITHSCORES');
    for (let i = 0; i < flat.length; i += 2) seen.set(flat[i] as string, Number(flat[i + 1]));
  };
  const loop = (async () => {
    while (!done) {
      await read();
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  try {
    await work;
  } finally {
    done = true;
    await loop;
  }
  await read();
  return [...seen.values()].sort((a, b) => a - b);
}

afterAll(async () => {
  const c = connect();
  const keys = await c.keys(`${prefix}*`);
  if (keys.length > 0) await c.del(...keys);
  await Promise.allSettled(conns.map((x) => x.quit()));
});

describe('SlidingWindowLimiter', () => {
  it('never lets more than `limit` starts into any 1000 ms window, across two connections', async () => {
    const ks = freshKs();
    const a = new SlidingWindowLimiter(connect(), ks, { limit: 20 });
    const b = new SlidingWindowLimiter(connect(), ks, { limit: 20 });
    const work = Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).acquire('routine')));
    const starts = await recordStarts(ks, work);
    const waits = await work;
    expect(starts).toHaveLength(60);
    // in µs of the Redis clock: any 21 consecutive starts span at least a full window (tolerance 0)
    for (let i = 0; i + 20 < starts.length; i++)
      expect((starts[i + 20] as number) - (starts[i] as number)).toBeGreaterThanOrEqual(1_000_000);
    expect(waits.filter((w) => w === 0)).toHaveLength(20); // granted at once: 0 ms waited
  });

  it('grants a high-priority acquirer before routine ones that were already waiting', async () => {
    const ks = freshKs();
    // limit 1: each grant is a full window after the previous one, so the order of grants is unambiguous
    const routine = new SlidingWindowLimiter(connect(), ks, { limit: 1, windowMs: 400 });
    const high = new SlidingWindowLimiter(connect(), ks, { limit: 1, windowMs: 400 });
    await routine.acquire('routine'); // the window is full
    const order: string[] = [];
    const waiting = [0, 1, 2, 3, 4].map((i) => routine.acquire('routine').then(() => order.push(`routine${i}`)));
    await new Promise((r) => setTimeout(r, 50));
    const urgent = high.acquire('high').then(() => order.push('high'));
    const starts = await recordStarts(ks, Promise.all([...waiting, urgent]));
    expect(order[0]).toBe('high');
    expect(order).toHaveLength(6);
    expect(starts).toHaveLength(7);
    for (let i = 0; i + 1 < starts.length; i++) expect((starts[i + 1] as number) - (starts[i] as number)).toBeGreaterThanOrEqual(400_000);
    expect(await connect().zcard(ks.rateWaiters)).toBe(0);
  });

  it('holds routine acquirers back while a live high waiter is registered, not after it expired', async () => {
    const ks = freshKs();
    const c = connect();
    const limiter = new SlidingWindowLimiter(c, ks, { limit: 5 });
    const [sec, usec] = await c.time();
    const nowUs = Number(sec) * 1e6 + Number(usec);
    await c.zadd(ks.rateWaiters, nowUs + 60e6, 'live-waiter');
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('gave up')), 200);
    await expect(limiter.acquire('routine', ac.signal)).rejects.toThrow('gave up');
    expect(await c.zcard(ks.rateLog)).toBe(0);
    // a waiter whose process died: its registration expires, and holds the routine acquirer back no more (held,
    // it would wait until the signal gives up, as above)
    await c.zadd(ks.rateWaiters, nowUs - 1, 'live-waiter');
    await limiter.acquire('routine', AbortSignal.timeout(10_000));
    expect(await c.zcard(ks.rateLog)).toBe(1);
    expect(await c.zcard(ks.rateWaiters)).toBe(0);
  });

  it('gives each slot a deadline within the margin after it was asked for (the request must leave by then)', async () => {
    const limiter = new SlidingWindowLimiter(connect(), freshKs(), { limit: 2 });
    const asked = performance.now();
    const grant = await limiter.acquireGrant('routine');
    expect(grant.waitedMs).toBe(0);
    // the 100 ms margin: three quarters of it for the request to leave, the rest for the network
    expect(grant.sendBy).toBeGreaterThan(asked);
    expect(grant.sendBy).toBeLessThanOrEqual(performance.now() + 75);
    await limiter.acquire('routine');
    // the window is full: the third slot waits for the first to leave it
    const third = await limiter.acquireGrant('routine');
    expect(third.waitedMs).toBeGreaterThan(0);
    expect(third.sendBy).toBeGreaterThan(asked + 1000);
  });

  it('withdraws an aborted high waiter, so routine acquirers go on', async () => {
    const ks = freshKs();
    const c = connect();
    const limiter = new SlidingWindowLimiter(c, ks, { limit: 1, windowMs: 300 });
    await limiter.acquire('routine');
    const ac = new AbortController();
    const urgent = limiter.acquire('high', ac.signal);
    await new Promise((r) => setTimeout(r, 50));
    expect(await c.zcard(ks.rateWaiters)).toBe(1);
    ac.abort();
    await expect(urgent).rejects.toMatchObject({ name: 'AbortError' });
    expect(await c.zcard(ks.rateWaiters)).toBe(0);
    expect(await limiter.acquire('routine')).toBeGreaterThan(0);
    expect(await c.zcard(ks.rateLog)).toBe(1);
  });

  it('refuses a limit that is not a positive integer', () => {
    const c = connect();
    for (const limit of [0, -1, 1.5]) {
      let err: unknown;
      try {
        new SlidingWindowLimiter(c, freshKs(), { limit });
      } catch (e) {
        err = e;
      }
      expect(isLlreconError(err, 'LLRECON_CONFIG')).toBe(true);
    }
  });
});
