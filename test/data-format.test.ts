// The data-format version in Redis (src/store/data-format.ts) against a real redis-server: written once on an empty
// Redis, format 1 for an older llrecon's data without it, a newer format refused (by the check and by
// engine.start) with nothing changed, and migrations — here a test-only step 1 → 2 — run once by one process
// under a lease while the others wait, resumed after a crash part-way, taken over when a migrating process died.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createEngine } from '../src/engine.js';
import { isLlreconError } from '../src/errors.js';
import { generateKeyPair, importPrivateKey, importPublicKey } from '../src/lianlian/keys.js';
import { DATA_FORMAT, assertReadableFormat, ensureDataFormat, readDataFormat } from '../src/store/data-format.js';
import { keyspace, type Keyspace } from '../src/store/keyspace.js';
import { MIGRATIONS, type Migration } from '../src/store/migrations/index.js';
import { OrderStore } from '../src/store/order-store.js';
import { runCli } from './support/cli.js';
import { randomOid } from './support/stack.js';
import { testLogger } from './support/log-capture.js';

const log = testLogger('data-format');
const conns: Redis[] = [];
function connect(): Redis {
  const c = new Redis(inject('redisUrl'));
  conns.push(c);
  return c;
}
const fresh = (): Keyspace => keyspace(`t${randomBytes(4).toString('hex')}`);

afterAll(async () => {
  await Promise.all(conns.map((c) => c.quit()));
});

async function trackSome(redis: Redis, ks: Keyspace, n: number): Promise<void> {
  const store = new OrderStore(redis, ks, '201408071000001543');
  const at = Date.UTC(2026, 0, 5, 2, 0, 0);
  for (let i = 0; i < n; i += 1) {
    const o = {
      no_order: `MIG${i}`,
      dt_order: '20260105100000',
      oid_paybill: null,
      pay_type: 'F' as const,
      money_order: `${i}.50`,
      valid_order: 10080,
      platform: null,
    };
    expect(await store.track(o, at, at + 8 * 86_400_000, at + 7 * 86_400_000, { source: 'api' })).toBe(true);
  }
}

/** A test-only step 1 → 2: renames each order's `m` (money) to `mo`, atomically per order, so a re-run changes nothing. */
function renameMoney(counter: { runs: number; orders: number }, hooks: { afterFirst?: () => Promise<void> } = {}): Migration {
  return {
    from: 1,
    description: 'test: order field m → mo',
    async up({ redis, ks, keepLease }) {
      counter.runs += 1;
      let cursor = '0';
      let first = true;
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${ks.base}:order:*`, 'COUNT', 2);
        cursor = next;
        for (const key of keys) {
          const moved = await redis.eval(
            "local v = redis.call('HGET', KEYS[1], 'm'); if not v then return 0 end; redis.call('HSET', KEYS[1], 'mo', v); redis.call('HDEL', KEYS[1], 'm'); return 1",
            1,
            key,
          );
          counter.orders += Number(moved);
          if (first && hooks.afterFirst) {
            first = false;
            await hooks.afterFirst();
          }
        }
        await keepLease();
      } while (cursor !== '0');
    },
  };
}

async function moneyFields(redis: Redis, ks: Keyspace, n: number): Promise<Array<[string | null, string | null]>> {
  const out: Array<[string | null, string | null]> = [];
  for (let i = 0; i < n; i += 1) out.push([await redis.hget(ks.order(`MIG${i}`), 'm'), await redis.hget(ks.order(`MIG${i}`), 'mo')]);
  return out;
}

describe('the data-format version', () => {
  it('is written by the first process on an empty Redis, once, and read back by the next', async () => {
    const redis = connect();
    const ks = fresh();
    const results = await Promise.all([0, 1, 2].map(() => ensureDataFormat({ redis: connect(), ks }, { log })));
    expect(results.map((r) => r.format)).toEqual([DATA_FORMAT, DATA_FORMAT, DATA_FORMAT]);
    expect(results.filter((r) => r.found === 'new')).toHaveLength(1);
    expect(results.filter((r) => r.found === 'stored')).toHaveLength(2);
    expect(await redis.hget(ks.meta, 'format')).toBe(String(DATA_FORMAT));
    expect(await readDataFormat({ redis, ks })).toBe(DATA_FORMAT);
    expect(await ensureDataFormat({ redis, ks }, { log })).toEqual({ format: DATA_FORMAT, found: 'stored', migrated: [] });
  });

  it('recognises data of an older llrecon without the key as format 1', async () => {
    const redis = connect();
    const ks = fresh();
    await trackSome(redis, ks, 2);
    expect(await readDataFormat({ redis, ks })).toBeNull();
    expect(await ensureDataFormat({ redis, ks }, { log })).toMatchObject({ format: 1, found: 'unversioned' });
    expect(await redis.hget(ks.meta, 'format')).toBe('1');
  });

  it('has a migration chain that ends at DATA_FORMAT', () => {
    expect(DATA_FORMAT - MIGRATIONS.length).toBeGreaterThanOrEqual(1);
    MIGRATIONS.forEach((m, i) => expect(m.from).toBe(DATA_FORMAT - MIGRATIONS.length + i));
  });

  it('refuses a newer format, and an unreadable one, changing nothing', async () => {
    const redis = connect();
    const ks = fresh();
    await redis.hset(ks.meta, 'format', String(DATA_FORMAT + 1));
    const err = await ensureDataFormat({ redis, ks }, { log }).catch((e: unknown) => e);
    expect(isLlreconError(err, 'LLRECON_DATA_FORMAT')).toBe(true);
    expect((err as Error).message).toContain(`format ${DATA_FORMAT + 1}, newer than this llrecon's format ${DATA_FORMAT}`);
    await expect(assertReadableFormat({ redis, ks })).rejects.toThrow(/newer/);
    expect(await redis.hgetall(ks.meta)).toEqual({ format: String(DATA_FORMAT + 1) });
    expect(await redis.exists(ks.metaLease)).toBe(0);

    await redis.hset(ks.meta, 'format', 'two');
    await expect(ensureDataFormat({ redis, ks }, { log })).rejects.toThrow(/"two" is not a version number/);
  });

  it('keeps engine.start from starting any work on a newer format', async () => {
    const redis = connect();
    const ks = fresh();
    await redis.hset(ks.meta, 'format', String(DATA_FORMAT + 1));
    const merchant = generateKeyPair(1024);
    const lianlian = generateKeyPair(1024);
    const config = loadConfig(
      {
        LIANLIAN_ENV: 'sandbox',
        REDIS_URL: inject('redisUrl'),
        REDIS_PREFIX: ks.base,
        LIANLIAN_OID_PARTNER: randomOid(),
        ADMIN_TOKEN: randomBytes(24).toString('base64url'),
        LOG_LEVEL: 'silent',
        DATA_DIR: mkdtempSync(join(tmpdir(), 'llrecon-format-')),
      },
      { cwd: tmpdir() },
    );
    const engine = await createEngine({
      config,
      log,
      oidPartner: config.oidPartner as string,
      merchantKey: importPrivateKey(merchant.privatePem),
      lianlianKey: importPublicKey(lianlian.publicPem),
      queryUrl: 'http://127.0.0.1:9/query',
    });
    try {
      await expect(engine.start()).rejects.toSatisfy((e: unknown) => isLlreconError(e, 'LLRECON_DATA_FORMAT'));
      const ready = await engine.readiness();
      expect(ready.checks.workers).toBe(false);
      expect(await redis.hget(ks.meta, 'format')).toBe(String(DATA_FORMAT + 1));
    } finally {
      await engine.close();
    }
  });

  it('makes `llrecon start` refuse a newer format with one clear line and exit 2', async () => {
    const redis = connect();
    const ks = fresh();
    await redis.hset(ks.meta, 'format', String(DATA_FORMAT + 1));
    const r = await runCli(
      ['start'],
      {
        REDIS_URL: inject('redisUrl'),
        REDIS_PREFIX: ks.base,
        DATA_DIR: mkdtempSync(join(tmpdir(), 'llrecon-format-')),
        HTTP_PORT: '0',
        LOG_LEVEL: 'silent',
      },
      '',
      60_000,
    );
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      `error LLRECON_DATA_FORMAT: the data in Redis (${ks.meta}) is in format ${DATA_FORMAT + 1}, newer than this llrecon's format ${DATA_FORMAT}: ` +
        'a newer llrecon wrote it; run that version (or restore the backup taken before the upgrade), never an older one over it',
    ]);
    expect(await redis.hgetall(ks.meta)).toEqual({ format: String(DATA_FORMAT + 1) });
  }, 90_000);

  it('migrates an older format once, in one process, while the others wait', async () => {
    const redis = connect();
    const ks = fresh();
    await trackSome(redis, ks, 7);
    await ensureDataFormat({ redis, ks }, { log });
    const counter = { runs: 0, orders: 0 };
    const step = renameMoney(counter);
    const results = await Promise.all(
      [0, 1, 2, 3].map(() => ensureDataFormat({ redis: connect(), ks }, { log, current: 2, migrations: [step], pollMs: 20 })),
    );
    expect(results.map((r) => r.format)).toEqual([2, 2, 2, 2]);
    expect(results.filter((r) => r.migrated.length > 0).map((r) => r.migrated)).toEqual([[1]]);
    expect(counter).toEqual({ runs: 1, orders: 7 });
    expect(await moneyFields(redis, ks, 7)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => [null, `${i}.50`]));
    expect(await redis.hget(ks.meta, 'format')).toBe('2');
    expect(await redis.hget(ks.meta, 'migrated_at')).toMatch(/^\d+$/);
    expect(await redis.exists(ks.metaLease)).toBe(0);
    // and code of format 1 now refuses to start on it
    await expect(ensureDataFormat({ redis, ks }, { log })).rejects.toThrow(/format 2, newer than this llrecon's format 1/);
  });

  it('re-runs a step a crash interrupted (the format moves only when it ends), changing what was done once', async () => {
    const redis = connect();
    const ks = fresh();
    await trackSome(redis, ks, 5);
    await ensureDataFormat({ redis, ks }, { log });
    const counter = { runs: 0, orders: 0 };
    const crashing = renameMoney(counter, {
      afterFirst: () => Promise.reject(new Error('killed part-way')),
    });
    await expect(ensureDataFormat({ redis, ks }, { log, current: 2, migrations: [crashing] })).rejects.toThrow('killed part-way');
    expect(await redis.hget(ks.meta, 'format')).toBe('1');
    expect(counter.orders).toBe(1);
    const rerun = await ensureDataFormat({ redis, ks }, { log, current: 2, migrations: [renameMoney(counter)] });
    expect(rerun).toMatchObject({ format: 2, migrated: [1] });
    expect(counter).toEqual({ runs: 2, orders: 5 });
    expect(await moneyFields(redis, ks, 5)).toEqual([0, 1, 2, 3, 4].map((i) => [null, `${i}.50`]));
  });

  it('takes over when the migrating process died (its lease lapses), and waits while it lives', async () => {
    const redis = connect();
    const ks = fresh();
    await trackSome(redis, ks, 3);
    await ensureDataFormat({ redis, ks }, { log });
    // a process that took the lease and died: nothing renews it
    await redis.set(ks.metaLease, 'dead-host:1:x', 'PX', 600);
    const counter = { runs: 0, orders: 0 };
    const startedAt = Date.now();
    const result = await ensureDataFormat({ redis, ks }, { log, current: 2, migrations: [renameMoney(counter)], pollMs: 20 });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(400);
    expect(result).toMatchObject({ format: 2, migrated: [1] });
    expect(counter).toEqual({ runs: 1, orders: 3 });
  });

  it('keeps the lease of a long step alive, so nobody else runs it meanwhile', async () => {
    const redis = connect();
    const ks = fresh();
    await trackSome(redis, ks, 2);
    await ensureDataFormat({ redis, ks }, { log });
    const counter = { runs: 0, orders: 0 };
    // the first order's step outlives the lease several times over
    const slow = renameMoney(counter, { afterFirst: () => new Promise((r) => setTimeout(r, 900)) });
    const results = await Promise.all([
      ensureDataFormat({ redis, ks }, { log, current: 2, migrations: [slow], leaseMs: 200, pollMs: 20 }),
      new Promise((r) => setTimeout(r, 50)).then(() =>
        ensureDataFormat({ redis: connect(), ks }, { log, current: 2, migrations: [renameMoney(counter)], leaseMs: 200, pollMs: 20 }),
      ),
    ]);
    expect(results.map((r) => r.migrated)).toEqual([[1], []]);
    expect(counter).toEqual({ runs: 1, orders: 2 });
  });
});
