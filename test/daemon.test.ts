// The daemon as users start it: sandbox mode with nothing configured, production checks up front, graceful stop.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startRedisServer, type EmbeddedRedis } from '../src/redis/embedded-server.js';
import { cliProcess, runCli } from './support/cli.js';
import { waitFor } from './support/stack.js';

const servers: EmbeddedRedis[] = [];
afterAll(async () => Promise.all(servers.map((s) => s.stop())));

describe('production start-up checks', () => {
  it('names every missing setting on its own line and refuses to start', async () => {
    const r = await runCli(['start'], { LIANLIAN_ENV: 'production', DATA_DIR: mkdtempSync(join(tmpdir(), 'llr-')) });
    expect(r.code).toBe(2);
    for (const v of ['LIANLIAN_OID_PARTNER', 'LIANLIAN_PRIVATE_KEY', 'LIANLIAN_PUBLIC_KEY', 'ADMIN_TOKEN'])
      expect(
        r.stderr.split('\n').some((l) => l.includes(v)),
        v,
      ).toBe(true);
  });

  it('refuses a Redis that would evict keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llr-'));
    const lru = await startRedisServer({ dir: join(dir, 'redis'), appendOnly: false, extraArgs: ['--maxmemory-policy', 'allkeys-lru'] });
    servers.push(lru);
    const keys = await import('../src/lianlian/keys.js');
    const merchant = keys.generateKeyPair(1024);
    const lianlian = keys.generateKeyPair(1024);
    const r = await runCli(['start'], {
      LIANLIAN_ENV: 'production',
      LIANLIAN_OID_PARTNER: '201408071000001543',
      LIANLIAN_PRIVATE_KEY: merchant.privateBase64,
      LIANLIAN_PUBLIC_KEY: lianlian.publicBase64,
      ADMIN_TOKEN: 'a-long-enough-admin-token-for-production',
      REDIS_URL: lru.url,
      HTTP_PORT: String(await freePort()),
      DATA_DIR: dir,
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('maxmemory-policy');
    expect(r.stderr).toContain('noeviction');
  });
});

describe('sandbox mode', () => {
  it('starts its own Redis and simulator, prints the dashboard and token, serves, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llr-sandbox-'));
    const port = await freePort();
    const child = cliProcess(['start', '--demo-orders', '3'], { DATA_DIR: dir, HTTP_PORT: String(port), LOG_LEVEL: 'warn' });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    await waitFor(() => out.includes('admin token'), 30_000);
    const token = readFileSync(join(dir, 'admin_token'), 'utf8').trim();
    expect(out).toContain(token);
    expect(out).toContain(`http://127.0.0.1:${port}/admin/orders`);
    const redisUrl = readFileSync(join(dir, 'redis.url'), 'utf8').trim();
    expect(redisUrl).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);

    const ready = await waitFor(async () => {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null);
      return r?.status === 200 ? r.json() : null;
    });
    expect(ready).toMatchObject({ ready: true });
    // the demo orders are tracked
    const list = await fetch(`http://127.0.0.1:${port}/admin/orders`, { headers: { authorization: `Bearer ${token}` } });
    expect(list.status).toBe(200);
    expect(await list.text()).toContain('DEMO');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(join(dir, 'redis.url'))).toBe(false); // the embedded Redis was stopped
    // and it comes back with the same token and data
    const again = cliProcess(['start', '--demo-orders', '0'], { DATA_DIR: dir, HTTP_PORT: String(port), LOG_LEVEL: 'warn' });
    let out2 = '';
    again.stdout?.on('data', (d: Buffer) => (out2 += d.toString()));
    const exited2 = new Promise<number | null>((r) => again.once('exit', r));
    await waitFor(() => out2.includes('admin token'), 30_000);
    expect(out2).toContain(token);
    const page = await fetch(`http://127.0.0.1:${port}/admin/orders`, { headers: { authorization: `Bearer ${token}` } });
    expect(await page.text()).toContain('DEMO');
    again.kill('SIGTERM');
    expect(await exited2).toBe(0);
  }, 90_000);
});
