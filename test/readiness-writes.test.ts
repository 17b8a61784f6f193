// /readyz tells the truth about writes (issue 10 point 4), against real redis-servers of the test's own: a Redis
// that answers PING but refuses writes — out of memory under maxmemory + noeviction, or a read-only replica — makes
// /readyz 503 with the reason, raises the redis_refuses_writes alert and logs a warning once; ready again after.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { WriteProbe } from '../src/redis/write-probe.js';
import { startRedisServer, type EmbeddedRedis } from '../src/redis/embedded-server.js';
import { createMetrics } from '../src/metrics.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

let dir: string;
let primary: EmbeddedRedis;
let admin: Redis;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'llrecon-ready-'));
  primary = await startRedisServer({ dir: join(dir, 'primary'), appendOnly: false });
  admin = new Redis(primary.url, { lazyConnect: true });
  await admin.connect();
});
afterAll(async () => {
  admin?.disconnect();
  await primary?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function readyz(
  s: Stack,
): Promise<{ status: number; body: { ready: boolean; checks: Record<string, boolean>; reasons?: string[] } }> {
  const r = await fetch(`${s.url}/readyz`);
  return { status: r.status, body: (await r.json()) as { ready: boolean; checks: Record<string, boolean>; reasons?: string[] } };
}

const alertCount = async (s: Stack) =>
  Number(/^llrecon_alerts_total\{kind="redis_refuses_writes"\} (\d+)/m.exec(await s.engine.metrics.registry.metrics())?.[1] ?? -1);

describe('/readyz while Redis refuses writes', () => {
  it('is 503 naming out of memory under maxmemory + noeviction, alerts once, and is ready again once there is room', async () => {
    const s = await startStack({ http: true, env: { REDIS_URL: primary.url } });
    try {
      expect((await readyz(s)).status).toBe(200);
      expect(await alertCount(s)).toBe(0);
      await admin.config('SET', 'maxmemory', '1'); // used memory is always above one byte: every write is refused
      try {
        const r = await readyz(s);
        expect(r.status).toBe(503);
        expect(r.body.checks.redis).toBe(true); // it answers PING …
        expect(r.body.checks.redis_writes).toBe(false); // … but takes no write
        expect(r.body.reasons?.join(' ')).toContain('out of memory');
        await readyz(s);
        expect(await alertCount(s)).toBe(1);
        // a track that cannot be written fails, as /readyz said it would
        await expect(
          s.engine.track({ no_order: `OOM${Date.now()}`, dt_order: '20261203120000', money_order: '1.00' }, { source: 'embed' }),
        ).rejects.toThrow();
      } finally {
        await admin.config('SET', 'maxmemory', '0');
      }
      await waitFor(async () => (await readyz(s)).status === 200);
      expect(await alertCount(s)).toBe(1);
    } finally {
      await s.close();
    }
  });

  it('is 503 naming a read-only replica (its Redis demoted under it), and ready again once promoted', async () => {
    const other = await startRedisServer({ dir: join(dir, 'demoted'), appendOnly: false });
    const s = await startStack({ http: true, env: { REDIS_URL: other.url } });
    const direct = new Redis(other.url);
    try {
      expect((await readyz(s)).status).toBe(200);
      await direct.call('REPLICAOF', '127.0.0.1', String(primary.port));
      const r = await waitFor(async () => {
        const x = await readyz(s);
        return x.status === 503 && x.body.checks.redis === true ? x : null;
      }, 20_000); // the replica first loads the primary's data (LOADING)
      expect(r.body.checks.redis_writes).toBe(false);
      expect(r.body.reasons?.join(' ')).toContain('read-only replica');
      await direct.call('REPLICAOF', 'NO', 'ONE');
      await waitFor(async () => (await readyz(s)).status === 200, 20_000);
    } finally {
      direct.disconnect();
      await s.close();
      await other.stop();
    }
  });

  it('warns once per episode with the reason, and counts the alert once', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } });
    const metrics = createMetrics();
    const redis = new Redis(primary.url);
    try {
      const probe = new WriteProbe(redis, `probe-test:${Date.now()}`, log, metrics.alerts, metrics.registry);
      expect(await probe.check(Date.now())).toEqual({ writable: true });
      await admin.config('SET', 'maxmemory', '1');
      try {
        for (let i = 0; i < 3; i += 1) expect((await probe.check(Date.now())).writable).toBe(false);
      } finally {
        await admin.config('SET', 'maxmemory', '0');
      }
      expect(await probe.check(Date.now())).toEqual({ writable: true });
      const warns = lines.filter((l) => l.includes('redis refuses writes'));
      expect(warns).toHaveLength(1);
      expect(warns[0]).toContain('"level":40');
      expect(warns[0]).toContain('out of memory');
      expect(lines.some((l) => l.includes('redis takes writes again'))).toBe(true);
      expect(await metrics.registry.metrics()).toMatch(/llrecon_alerts_total\{kind="redis_refuses_writes"\} 1/);
      expect(await metrics.registry.metrics()).toMatch(/llrecon_redis_writes_refused 0/);
    } finally {
      redis.disconnect();
    }
  });
});
