// Memory: Redis bytes per tracked order waiting for its next poll (INFO memory before/after tracking, and
// MEMORY USAGE of one order's keys), and the daemon's RSS as tracked orders grow (a child process).
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Redis } from 'ioredis';
import { pollJobId, QUEUE } from '../src/queues/names.js';
import { withDaemonEnv } from '../src/process-tuning.js';
import { createRedis } from '../src/redis/connection.js';
import type { RssReport } from './engine-process.js';
import { batches, benchOrders, createBenchEngine, type KeySet } from './harness.js';

/** Redis memory of tracked orders, in bytes. */
export interface RedisPerOrder {
  orders: number;
  /** INFO memory used_memory after tracking minus before, per order. */
  bytesPerOrder: number;
  /** MEMORY USAGE of one sample order's own keys, and each index's size divided by the orders in it. */
  sample: {
    orderHash: number;
    history: number;
    bullJobHash: number;
    /** `orders` + `state:pending` zsets and BullMQ's `delayed` zset, per order. */
    indexesPerOrder: number;
  };
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  const m = /^used_memory:(\d+)/m.exec(info);
  if (!m?.[1]) throw new Error('benchmark: INFO memory has no used_memory');
  return Number(m[1]);
}

async function memoryUsage(redis: Redis, key: string): Promise<number> {
  const n = (await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) as number | null;
  if (n === null) throw new Error(`benchmark: key ${key} does not exist`);
  return n;
}

/**
 * Tracks `orders` orders through a real engine's `track` (batches of 1000, POLL_SCHEDULE 1h, no worker running,
 * so each waits for its first poll as a delayed job) and measures what Redis holds for them.
 */
export async function measureRedisPerOrder(o: { keys: KeySet; redisUrl: string; dataDir: string; orders: number }): Promise<RedisPerOrder> {
  const engine = await createBenchEngine({
    keys: o.keys,
    redisUrl: o.redisUrl,
    prefix: `bench-mem-${randomBytes(3).toString('hex')}`,
    queryUrl: 'http://127.0.0.1:9/preauthquery.htm',
    dataDir: o.dataDir,
    env: { ROLES: 'query', POLL_SCHEDULE: '1h' },
  });
  const redis = createRedis({ redisUrl: o.redisUrl, redisCluster: false }, 'client') as Redis;
  try {
    const orders = benchOrders('ORD', o.orders, Date.now());
    const before = await usedMemory(redis);
    for (const body of batches(orders, 1000)) {
      const r = await engine.track(body, { source: 'embed', actor: 'bench' });
      if (r.accepted.length !== body.orders.length) throw new Error(`benchmark: ${r.duplicates.length} orders not accepted`);
    }
    const after = await usedMemory(redis);
    const ks = engine.ctx.ks;
    const bull = `${ks.bullPrefix}:${QUEUE.poll}`;
    const no = orders[Math.floor(orders.length / 2)]?.no_order ?? '';
    if ((await redis.zscore(`${bull}:delayed`, pollJobId(no))) === null)
      throw new Error('benchmark: the sample order has no delayed poll job');
    const indexes = await Promise.all([ks.allOrders, ks.stateIndex('pending'), `${bull}:delayed`].map((k) => memoryUsage(redis, k)));
    return {
      orders: o.orders,
      bytesPerOrder: (after - before) / o.orders,
      sample: {
        orderHash: await memoryUsage(redis, ks.order(no)),
        // the `tracked` entry is kept in the order hash: the history list exists only after a first change
        history: (await redis.exists(ks.history(no))) ? await memoryUsage(redis, ks.history(no)) : 0,
        bullJobHash: await memoryUsage(redis, `${bull}:${pollJobId(no)}`),
        indexesPerOrder: indexes.reduce((a, b) => a + b, 0) / o.orders,
      },
    };
  } finally {
    await redis.quit();
    await engine.close();
  }
}

/**
 * Starts bench/engine-process.js (a whole daemon, all roles, schedule 1h) with --expose-gc, has it track
 * `orders` orders, and collects its RSS (after GC) at 0 and every `every` orders.
 */
export async function measureDaemonRss(o: { redisUrl: string; dataDir: string; orders: number; every: number }): Promise<RssReport[]> {
  const child = fork(new URL('./engine-process.js', import.meta.url), [], {
    execArgv: ['--expose-gc'],
    env: {
      ...withDaemonEnv(process.env),
      BENCH_REDIS_URL: o.redisUrl,
      BENCH_ORDERS: String(o.orders),
      BENCH_REPORT_EVERY: String(o.every),
      BENCH_DATA_DIR: o.dataDir,
    },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const reports: RssReport[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('{')) reports.push(JSON.parse(line) as RssReport);
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 240_000);
  const [code] = (await once(child, 'close')) as [number | null]; // after its stdout is read to the end
  clearTimeout(killer);
  if (code !== 0) throw new Error(`benchmark: the daemon process exited with ${String(code)}`);
  return reports;
}
