// Every daemon process can be watched, whatever its ROLES and whatever state Redis is in: real `llrecon start`
// processes, probed over HTTP.
//   - A Redis that cannot be reached (refused, or a name that does not resolve) is never a silent wait: warn lines
//     name the Redis (password masked) and the error code while the connections retry, /healthz answers 200 and
//     /readyz 503 with the reason; once Redis answers, the process gets ready.
//   - ROLES=query and ROLES=notify processes serve /healthz, /readyz and /metrics (nothing else), each with the
//     metrics of its work, and every alert kind its work can raise has a series from start-up, at 0.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort, startRedisServer, type EmbeddedRedis } from '../src/redis/embedded-server.js';
import { merchantKeys1024, lianlianKeys1024 } from './support/keys.js';
import { killLaunched, launchTs, type Launched } from './support/launch.js';
import { registerSecrets } from './support/log-capture.js';
import { waitFor } from './support/stack.js';

const servers: EmbeddedRedis[] = [];
afterAll(async () => {
  killLaunched();
  await Promise.all(servers.map((s) => s.stop()));
});

function start(env: Record<string, string>): Launched {
  return launchTs(
    { script: 'src/cli/main.ts', args: ['start', '--demo-orders', '0'] },
    { env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', ...env }, input: null },
  );
}

async function stopped(daemon: Launched): Promise<number | null> {
  daemon.child.kill('SIGTERM');
  return daemon.exited;
}

const get = (url: string) => fetch(url).catch(() => null);

/** The warn lines about Redis a daemon printed so far (JSON log lines). */
function redisWarnings(output: string): Array<{ url: string; code: string; msg: string; time: number }> {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes('"redis: cannot use'))
    .map((l) => JSON.parse(l) as { url: string; code: string; msg: string; time: number });
}

describe('a Redis that cannot be reached', () => {
  it('refused: warns every few seconds naming the masked URL and the code, health answers meanwhile, ready once Redis is up', async () => {
    const redisPort = await freePort();
    const httpPort = await freePort();
    const password = `pw${randomBytes(8).toString('hex')}`;
    registerSecrets(password);
    const daemon = start({
      REDIS_URL: `redis://:${password}@127.0.0.1:${redisPort}`,
      HTTP_PORT: String(httpPort),
      DATA_DIR: mkdtempSync(join(tmpdir(), 'llr-wait-')),
    });
    const base = `http://127.0.0.1:${httpPort}`;
    // alive, and says why it is not ready
    expect((await waitFor(() => get(`${base}/healthz`), 30_000)).status).toBe(200);
    const notReady = await get(`${base}/readyz`);
    expect(notReady?.status).toBe(503);
    const body = (await notReady!.json()) as { ready: boolean; reasons: string[] };
    expect(body.ready).toBe(false);
    expect(body.reasons.join('\n')).toContain(`redis: cannot use redis://:***@127.0.0.1:${redisPort}`);
    expect(body.reasons.join('\n')).toContain('ECONNREFUSED');
    expect((await get(`${base}/metrics`))?.status).toBe(200);

    // a warn line again and again while it retries, never more than a few seconds apart
    await waitFor(() => redisWarnings(daemon.stdout).length >= 3, 20_000);
    const warnings = redisWarnings(daemon.stdout);
    for (const w of warnings) {
      expect(w.code).toBe('ECONNREFUSED');
      expect(w.url).toBe(`redis://:***@127.0.0.1:${redisPort}`);
    }
    for (let i = 1; i < warnings.length; i++) expect(warnings[i]!.time - warnings[i - 1]!.time).toBeLessThan(8_000);
    expect(daemon.all).not.toContain(password);
    expect(daemon.all).not.toMatch(/at TCPConnectWrap/); // no stack traces

    // Redis comes: the daemon gets ready without a restart
    const dir = mkdtempSync(join(tmpdir(), 'llr-wait-redis-'));
    servers.push(await startRedisServer({ dir, port: redisPort, password }));
    await waitFor(async () => (await get(`${base}/readyz`))?.status === 200, 30_000);
    expect(await stopped(daemon)).toBe(0);
  }, 90_000);

  it('a host name that does not resolve: warns naming it and the resolver code, and stops at once on SIGTERM', async () => {
    const httpPort = await freePort();
    const daemon = start({
      REDIS_URL: 'redis://redis.no-such-host.invalid:6379',
      HTTP_PORT: String(httpPort),
      DATA_DIR: mkdtempSync(join(tmpdir(), 'llr-wait-')),
    });
    await waitFor(() => redisWarnings(daemon.stdout).length >= 1, 30_000);
    const [first] = redisWarnings(daemon.stdout);
    expect(first!.url).toBe('redis://redis.no-such-host.invalid:6379');
    expect(first!.code).toMatch(/^(ENOTFOUND|EAI_AGAIN)$/);
    const ready = await waitFor(() => get(`http://127.0.0.1:${httpPort}/readyz`), 10_000);
    expect(ready.status).toBe(503);
    expect(JSON.stringify(await ready.json())).toContain('redis.no-such-host.invalid');
    expect(await stopped(daemon)).toBe(0); // while still waiting for Redis
  }, 60_000);
});

describe('split roles', () => {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const production = () => {
    const merchant = merchantKeys1024();
    const lianlian = lianlianKeys1024();
    const adminToken = randomBytes(24).toString('base64url');
    registerSecrets(adminToken);
    return {
      LIANLIAN_ENV: 'production',
      LIANLIAN_OID_PARTNER: '201408071000001543',
      LIANLIAN_PRIVATE_KEY: merchant.privatePem,
      LIANLIAN_PUBLIC_KEY: lianlian.publicPem,
      ADMIN_TOKEN: adminToken,
      REDIS_URL: inject('redisUrl'),
      REDIS_PREFIX: prefix,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'llr-roles-')),
    };
  };

  /** The samples of a Prometheus text, by series (`name{labels}`). */
  function samples(text: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      const at = line.lastIndexOf(' ');
      out.set(line.slice(0, at), Number(line.slice(at + 1)));
    }
    return out;
  }

  it('ROLES=query and ROLES=notify processes serve health and their own metrics, alert series at 0 from start-up', async () => {
    const [queryPort, notifyPort] = [await freePort(), await freePort()];
    const webhook = { EVENTS_WEBHOOK_URL: 'http://127.0.0.1:9/hook', EVENTS_WEBHOOK_SECRET: `whsec_${randomBytes(32).toString('base64')}` };
    registerSecrets(webhook.EVENTS_WEBHOOK_SECRET);
    const query = start({ ...production(), ...webhook, ROLES: 'query', HTTP_PORT: String(queryPort) });
    const notify = start({ ...production(), ...webhook, ROLES: 'notify', HTTP_PORT: String(notifyPort) });
    try {
      const scraped = new Map<string, Map<string, number>>();
      for (const [role, port] of [
        ['query', queryPort],
        ['notify', notifyPort],
      ] as const) {
        const base = `http://127.0.0.1:${port}`;
        await waitFor(async () => (await get(`${base}/readyz`))?.status === 200, 45_000);
        expect((await get(`${base}/healthz`))?.status).toBe(200);
        expect((await get(`${base}/orders/X`))?.status, `${role}: no API routes`).toBe(404);
        expect((await get(`${base}/admin/orders`))?.status, `${role}: no pages`).toBe(404);
        const metrics = await get(`${base}/metrics`);
        expect(metrics?.status).toBe(200);
        const text = await metrics!.text();
        expect(text).toContain('llrecon_process_cpu_seconds_total');
        expect(text).not.toContain('llrecon_process_process_');
        scraped.set(role, samples(text));
        if (role === 'query') {
          expect(text).toContain('# TYPE llrecon_queries_total counter');
          expect(text).toContain('# TYPE llrecon_merchant_pauses_total counter');
          expect(text).toContain('# TYPE llrecon_query_duration_seconds histogram');
          expect(text).not.toContain('llrecon_callbacks_total');
        } else {
          expect(text).toContain('# TYPE llrecon_callbacks_total counter');
          expect(text).not.toContain('llrecon_queries_total');
        }
      }
      const q = scraped.get('query')!;
      for (const kind of ['config_error', 'not_found_overdue', 'amount_mismatch', 'unknown_code', 'abandoned'])
        expect(q.get(`llrecon_alerts_total{kind="${kind}"}`), kind).toBe(0);
      const n = scraped.get('notify')!;
      for (const kind of ['callback_rejected', 'amount_mismatch']) expect(n.get(`llrecon_alerts_total{kind="${kind}"}`), kind).toBe(0);
      for (const result of ['delivered', 'failed', 'gone'])
        expect(n.get(`llrecon_webhook_deliveries_total{result="${result}"}`), result).toBe(0);
    } finally {
      expect(await stopped(query)).toBe(0);
      expect(await stopped(notify)).toBe(0);
    }
  }, 120_000);
});
