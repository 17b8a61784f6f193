// Redis connections per purpose, against real servers: BullMQ accepts them, a queue connection fails fast while
// Redis is unreachable, the safety check names an evicting policy (and its fix) and missing persistence, and a
// Cluster is reached from a seed URL carrying its password.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { Redis, type Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RECONNECT_CAP_MS, checkRedisSafety, createRedis, reconnectDelay, redisServerInfo } from '../src/redis/connection.js';
import { freePort, startRedisServer, type EmbeddedRedis } from '../src/redis/embedded-server.js';
import { startCluster, type TestCluster } from './support/cluster.js';

const prefix = `t${randomBytes(4).toString('hex')}`;

/** Connections a describe block opened, quit in its afterAll (before its servers stop). */
class Connections {
  private readonly open: Array<Redis | Cluster> = [];
  add<T extends Redis | Cluster>(c: T): T {
    this.open.push(c);
    return c;
  }
  async quitAll(): Promise<void> {
    await Promise.allSettled(this.open.map((c) => c.quit()));
  }
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !check();) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs one job through a BullMQ Queue and Worker on the given connections; resolves with its result. */
async function runOneJob(
  queueConn: Redis | Cluster,
  workerConn: Redis | Cluster,
  bullPrefix: string,
  data: { n: number },
): Promise<unknown> {
  const name = `check-${randomBytes(3).toString('hex')}`;
  const queue = new Queue(name, { connection: queueConn as unknown as ConnectionOptions, prefix: bullPrefix });
  const worker = new Worker(name, async (job) => (job.data as { n: number }).n * 2, {
    connection: workerConn as unknown as ConnectionOptions,
    prefix: bullPrefix,
  });
  try {
    const completed = new Promise<unknown>((resolve) => worker.on('completed', (_job, result) => resolve(result)));
    await queue.add('double', data);
    return await completed;
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

describe('reconnectDelay', () => {
  it('starts at 250 ms, doubles, and never waits more than the cap plus 20 % jitter', () => {
    const low = () => 0;
    const high = () => 0.999_999;
    expect([1, 2, 3, 4, 5, 50].map((t) => reconnectDelay(t, low))).toEqual([250, 500, 1000, 2000, 2000, 2000]);
    for (let t = 1; t <= 200; t++) {
      expect(reconnectDelay(t, high)).toBeLessThanOrEqual(RECONNECT_CAP_MS * 1.2);
      expect(reconnectDelay(t)).toBeGreaterThanOrEqual(reconnectDelay(t, low));
    }
  });
});

describe('createRedis', () => {
  const conns = new Connections();
  afterAll(() => conns.quitAll());
  const cfg = () => ({ redisUrl: inject('redisUrl'), redisCluster: false });

  it('gives each purpose its options and a connection name', async () => {
    const worker = conns.add(createRedis(cfg(), 'worker')) as Redis;
    const queue = conns.add(createRedis(cfg(), 'queue')) as Redis;
    const client = conns.add(createRedis(cfg(), 'client', { connectionName: 'llrecon:test' })) as Redis;
    expect(worker.options.maxRetriesPerRequest).toBeNull();
    expect(queue.options.enableOfflineQueue).toBe(false);
    expect(client.options.enableOfflineQueue).toBe(true);
    await until(() => queue.status === 'ready');
    expect(await worker.client('GETNAME')).toBe('llrecon:worker');
    expect(await queue.client('GETNAME')).toBe('llrecon:queue');
    expect(await client.client('GETNAME')).toBe('llrecon:test');
  });

  it('makes connections BullMQ accepts: a job added on a queue connection runs on a worker connection', async () => {
    expect(await runOneJob(conns.add(createRedis(cfg(), 'queue')), conns.add(createRedis(cfg(), 'worker')), prefix, { n: 21 })).toBe(42);
  });

  it('lets a queue connection fail at once while Redis is unreachable, reporting errors to onError', async () => {
    const errors: Error[] = [];
    const down = createRedis({ redisUrl: `redis://127.0.0.1:${await freePort()}`, redisCluster: false }, 'queue', {
      onError: (e) => errors.push(e),
    });
    try {
      await expect(down.set(`${prefix}:x`, '1')).rejects.toThrow(/enableOfflineQueue/);
      await until(() => errors.length > 0);
      expect(errors[0]!.message).toMatch(/ECONNREFUSED/);
    } finally {
      down.disconnect();
    }
  });
});

describe('after a long Redis outage', () => {
  it('a connection is back within the reconnect cap (plus jitter) of Redis returning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llrecon-outage-'));
    let server = await startRedisServer({ dir, appendOnly: false });
    const errors: Error[] = [];
    const client = createRedis({ redisUrl: server.url, redisCluster: false }, 'client', { onError: (e) => errors.push(e) });
    try {
      expect(await client.ping()).toBe('PONG');
      await server.kill();
      // long enough for the back-off to reach its cap, and for a longer cap (the old 20 s one) to show
      await new Promise((r) => setTimeout(r, 11_000));
      expect(errors.length).toBeGreaterThan(0);
      server = await startRedisServer({ dir, port: server.port, appendOnly: false });
      const back = Date.now();
      await until(() => client.status === 'ready', 10_000);
      expect(Date.now() - back).toBeLessThanOrEqual(RECONNECT_CAP_MS * 1.2 + 1000); // + slack for a loaded machine
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe('checkRedisSafety and redisServerInfo', () => {
  let dir: string;
  let server: EmbeddedRedis;
  let redis: Redis;

  beforeAll(async () => {
    // a server of its own: the CONFIG SET below must not disturb the other test files' Redis
    dir = mkdtempSync(join(tmpdir(), 'llrecon-safety-'));
    server = await startRedisServer({ dir });
    redis = createRedis({ redisUrl: server.url, redisCluster: false }, 'client') as Redis;
  });
  afterAll(async () => {
    await redis?.quit();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is clean on a Redis set up as llrecon needs (noeviction, append-only)', async () => {
    expect(await checkRedisSafety(redis)).toEqual([]);
    const info = await redisServerInfo(redis);
    expect(info).toMatchObject({ mode: 'standalone', maxmemoryPolicy: 'noeviction', appendOnly: true, masters: 1 });
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('names an evicting maxmemory-policy and its fix, and is clean again once it is set back', async () => {
    await redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      const problems = await checkRedisSafety(redis);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(`Redis 127.0.0.1:${server.port} has maxmemory-policy allkeys-lru`);
      expect(problems[0]).toContain('CONFIG SET maxmemory-policy noeviction');
    } finally {
      await redis.config('SET', 'maxmemory-policy', 'noeviction');
    }
    expect(await checkRedisSafety(redis)).toEqual([]);
  });

  it('warns, without naming the eviction policy, when append-only persistence is off', async () => {
    await redis.config('SET', 'appendonly', 'no');
    try {
      const problems = await checkRedisSafety(redis);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain('append-only persistence off');
      expect(problems[0]).not.toContain('maxmemory-policy');
    } finally {
      await redis.config('SET', 'appendonly', 'yes');
      // turning append-only on starts a rewrite, during which redis-server refuses to shut down
      while (/aof_rewrite_in_progress:1|aof_rewrite_scheduled:1/.test(await redis.info('persistence')))
        await new Promise((r) => setTimeout(r, 20));
    }
  });
});

describe('on a Redis Cluster', () => {
  const conns = new Connections();
  let cluster: TestCluster;
  const password = randomBytes(12).toString('hex');
  const seedUrl = () => {
    const u = new URL(cluster.seedUrl);
    u.password = password;
    return u.href;
  };

  beforeAll(async () => {
    cluster = await startCluster();
    for (const n of cluster.nodes) {
      const c = new Redis(n.url);
      await c.config('SET', 'requirepass', password);
      await c.quit();
    }
  }, 60_000);
  afterAll(async () => {
    await conns.quitAll();
    await cluster?.stop();
  });

  it('connects from a seed URL with its password, reaches every slot, and checks every master', async () => {
    const redis = conns.add(createRedis({ redisUrl: seedUrl(), redisCluster: true }, 'client'));
    const keys = Array.from({ length: 20 }, (_, i) => `${prefix}:k${i}`); // spread over the slots of all three
    for (const k of keys) await redis.set(k, k);
    expect(await Promise.all(keys.map((k) => redis.get(k)))).toEqual(keys);

    const info = await redisServerInfo(redis);
    expect(info).toMatchObject({ mode: 'cluster', masters: 3, maxmemoryPolicy: 'noeviction', appendOnly: false });
    const problems = await checkRedisSafety(redis);
    expect(problems).toHaveLength(3); // append-only is off on the test cluster's nodes
    for (const p of problems) expect(p).toContain('append-only persistence off');
  });

  it('gives BullMQ queue and worker connections it accepts, under a hash-tagged prefix', async () => {
    const cfg = { redisUrl: seedUrl(), redisCluster: true };
    expect(await runOneJob(conns.add(createRedis(cfg, 'queue')), conns.add(createRedis(cfg, 'worker')), `{${prefix}}`, { n: 5 })).toBe(10);
  });
});
