// Redis through Sentinel (issue 15 point 3), on real processes: a primary, a replica and three sentinels on
// loopback. The primary is killed (SIGKILL: what it had not replicated is lost, as in a real crash) while orders are
// being polled and LianLian's callbacks arrive: every order still ends in its right final state, no event is in the
// stream twice, and llrecon — engine, HTTP API, CLI — is whole again within seconds of the promotion.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../src/config.js';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { createRedis, redisConnectionConfig } from '../src/redis/connection.js';
import type { Step } from '../src/sandbox/timeline.js';
import { entryFields } from '../src/store/event-stream.js';
import { runCli } from './support/cli.js';
import { schemaProblems } from './support/event-schema.js';
import { SENTINEL_NAME, startSentinels, type TestSentinels } from './support/sentinel.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

describe('REDIS_SENTINELS and its companions', () => {
  const base = {
    LIANLIAN_ENV: 'sandbox',
    REDIS_SENTINELS: '10.0.0.5:26379, [::1]:26380,redis-s3.internal:26381',
    REDIS_SENTINEL_NAME: 'mymaster',
  };
  const problems = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env, { cwd: tmpdir() });
      return [];
    } catch (err) {
      return (err as { problems?: string[] }).problems ?? [String(err)];
    }
  };

  it('reads the sentinels, the name and the password; REDIS_URL then gives only credentials (none: database 0)', () => {
    const c = loadConfig({ ...base, REDIS_SENTINEL_PASSWORD: 'sentinel-secret' }, { cwd: tmpdir() });
    expect(c.redisSentinels).toEqual([
      { host: '10.0.0.5', port: 26379 },
      { host: '::1', port: 26380 },
      { host: 'redis-s3.internal', port: 26381 },
    ]);
    expect([c.redisSentinelName, c.redisSentinelPassword, c.redisUrl]).toEqual(['mymaster', 'sentinel-secret', 'redis://sentinel/0']);
    expect(loadConfig({ ...base, REDIS_URL: 'redis://:data@x/2' }, { cwd: tmpdir() }).redisUrl).toBe('redis://:data@x/2');
  });

  it('production needs no REDIS_URL with sentinels; refuses a bad list, a missing name, a Cluster or the embedded Redis', () => {
    expect(problems({ ...base, LIANLIAN_ENV: 'production' }).filter((p) => p.startsWith('REDIS'))).toEqual([]);
    expect(problems({ ...base, REDIS_SENTINELS: '10.0.0.5' })[0]).toMatch(/^REDIS_SENTINELS: must be a comma list of host:port/);
    expect(problems({ ...base, REDIS_SENTINELS: 'a:0' })[0]).toMatch(/^REDIS_SENTINELS: /);
    expect(problems({ LIANLIAN_ENV: 'sandbox', REDIS_SENTINELS: 'a:1' })).toEqual([
      expect.stringMatching(/^REDIS_SENTINEL_NAME: required when REDIS_SENTINELS/),
    ]);
    expect(problems({ ...base, REDIS_URL: 'redis://a:1', REDIS_CLUSTER: 'true' })).toEqual([
      expect.stringMatching(/^REDIS_SENTINELS: cannot be used with REDIS_CLUSTER/),
    ]);
    expect(problems({ ...base, REDIS_EMBEDDED: 'true' })).toContainEqual(
      expect.stringMatching(/^REDIS_SENTINELS: cannot be used with REDIS_EMBEDDED/),
    );
  });
});

describe('a failover of the primary while orders are polled and callbacks arrive', () => {
  let s: TestSentinels;
  let stack: Stack;
  let env: Record<string, string>;
  const dt = formatLianLianTime(Date.now());
  const expected = new Map<string, string>();

  beforeAll(async () => {
    s = await startSentinels();
    env = {
      // the host here is never used: the sentinels name the primary; the URL gives the data password
      REDIS_URL: `redis://:${s.dataPassword}@not-this-host.invalid:1/0`,
      REDIS_SENTINELS: s.sentinelList,
      REDIS_SENTINEL_NAME: SENTINEL_NAME,
      REDIS_SENTINEL_PASSWORD: s.sentinelPassword,
    };
    stack = await startStack({ http: true, env: { ...env, POLL_SCHEDULE: '100ms' } });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
    await s?.stop();
  });

  /** LianLian's codes for an order, each but the last held for `ms()` (the simulator's `after` says when a step is left). */
  const steps = (codes: string[], ms: () => number): Step[] =>
    codes.map((code, i) => (i < codes.length - 1 ? { code, after: { ms: ms() } } : { code }));
  const PATHS: Array<{ codes: string[]; final: string }> = [
    { codes: ['PR09', 'PR07', 'PR12', 'PR11'], final: 'captured' },
    { codes: ['2003', 'PR07', 'PR15', 'PR14'], final: 'voided' },
    { codes: ['PR09', 'PR10'], final: 'auth_failed' },
    { codes: ['PR07', '2006'], final: 'expired' },
  ];

  it('ends every order right, writes no event twice, and is whole again within seconds', async () => {
    const { engine, simulator } = stack;
    const run = randomBytes(3).toString('hex');
    // changes spread over the next ~8 s, so that the failover falls in the middle of them
    const ms = () => 1000 + Math.floor(Math.random() * 2500);
    for (let i = 0; i < 32; i++) {
      const path = PATHS[i % PATHS.length] as (typeof PATHS)[number];
      const no = `SNT${run}${i}`;
      simulator.addOrder({
        oid_partner: stack.oidPartner,
        no_order: no,
        dt_order: dt,
        money_order: '66.00',
        timeline: steps(path.codes, ms),
        notifyUrl: `${stack.url}/notify/lianlian`,
      });
      expected.set(no, path.final);
    }
    const tracked = await engine.track(
      { orders: [...expected.keys()].map((no) => ({ no_order: no, dt_order: dt, money_order: '66.00' })) },
      { source: 'embed' },
    );
    expect(tracked.accepted).toHaveLength(expected.size);
    await new Promise((r) => setTimeout(r, 1500));

    const before = await s.primaryPort();
    const primary = s.nodes.find((n) => n.port === before);
    await primary?.kill();
    const killedAt = Date.now();
    const after = await s.waitForPrimaryOtherThan(before);
    const promotedAt = Date.now();
    expect(after).not.toBe(before);

    // whole again: ready (Redis writable through the new primary, workers running) and serving the API
    await waitFor(async () => (await engine.readiness()).ready, 15_000, 100);
    const readyAt = Date.now();
    const res = await fetch(`${stack.url}/orders/${[...expected.keys()][0]}`, { headers: { authorization: `Bearer ${stack.adminToken}` } });
    expect(res.status).toBe(200);

    // every order final, in the state LianLian ends it in
    const stateNow = async () => {
      const orders = await Promise.all([...expected.keys()].map(async (no) => [no, await engine.store.get(no)] as const));
      return { all: orders.every(([, o]) => o?.final), states: new Map(orders.map(([no, o]) => [no, o?.state])) };
    };
    // (not waitFor: when some order does not end, the comparison below names it and its state)
    let finals = await stateNow();
    for (const end = Date.now() + 60_000; !finals.all && Date.now() < end; finals = await stateNow())
      await new Promise((r) => setTimeout(r, 200));
    expect(Object.fromEntries(finals.states)).toEqual(Object.fromEntries(expected));

    // the stream, read from the new primary: no event id twice, no change twice, each order's final event once
    const direct = new Redis({ port: after, host: '127.0.0.1', password: s.dataPassword });
    try {
      const entries = (await direct.xrange(engine.ctx.ks.events, '-', '+')) as Array<[string, string[]]>;
      const events = entries.map(
        ([, f]) =>
          JSON.parse(entryFields(f).event as string) as {
            id: string;
            type: string;
            subject: string;
            data: { state: string; previous_state: string };
          },
      );
      const ids = events.map((e) => e.id);
      expect(ids.length).toBe(new Set(ids).size);
      for (const e of events) expect(schemaProblems(e), e.id).toEqual([]);
      for (const [no, final] of expected) {
        const mine = events.filter((e) => e.subject === no);
        const changes = mine.map((e) => `${e.data.previous_state}>${e.data.state}`);
        expect(changes.length, no).toBe(new Set(changes).size);
        expect(
          mine.filter((e) => e.data.state === final),
          no,
        ).toHaveLength(1);
      }
    } finally {
      direct.disconnect();
    }

    // the CLI finds the primary through the sentinels too
    const cli = await runCli(['status', [...expected.keys()][0] as string], {
      ...env,
      REDIS_PREFIX: stack.prefix,
      LIANLIAN_OID_PARTNER: stack.oidPartner,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'llr-sentinel-cli-')),
      LOG_LEVEL: 'silent',
    });
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain(expected.get([...expected.keys()][0] as string) as string);
    process.stdout.write(
      `sentinel failover: promoted ${promotedAt - killedAt} ms after the kill, llrecon ready ${readyAt - promotedAt} ms after that\n`,
    );
  }, 120_000);

  it('a connection made from the configuration writes to the new primary, never to a replica', async () => {
    const config: Config = stack.config;
    const conn = createRedis(redisConnectionConfig(config, config.redisUrl as string), 'client');
    try {
      await conn.set(`${stack.prefix}:probe`, 'x');
      const role = (await conn.call('ROLE')) as [string];
      expect(role[0]).toBe('master');
    } finally {
      conn.disconnect();
    }
  });
});
