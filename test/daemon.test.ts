// The daemon as users start it: sandbox mode with nothing configured, production checks up front, graceful stop;
// production never runs the sandbox's embedded Redis unless told to, and then a private, password-protected one.
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort, startRedisServer, type EmbeddedRedis } from '../src/redis/embedded-server.js';
import { Redis } from 'ioredis';
import { cliProcess, runCli } from './support/cli.js';
import { lianlianKeys1024, merchantKeys1024 } from './support/keys.js';
import { registerSecrets } from './support/log-capture.js';
import { waitFor } from './support/stack.js';

const servers: EmbeddedRedis[] = [];
afterAll(async () => Promise.all(servers.map((s) => s.stop())));

/** A production environment with every required setting but Redis. */
function productionEnv(): Record<string, string> {
  const adminToken = 'a-long-enough-admin-token-for-production';
  registerSecrets(adminToken);
  return {
    LIANLIAN_ENV: 'production',
    LIANLIAN_OID_PARTNER: '201408071000001543',
    LIANLIAN_PRIVATE_KEY: merchantKeys1024().privateBase64,
    LIANLIAN_PUBLIC_KEY: lianlianKeys1024().publicBase64,
    ADMIN_TOKEN: adminToken,
  };
}

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('production start-up checks', () => {
  it('names every missing setting on its own line and refuses to start', async () => {
    const r = await runCli(['start'], { LIANLIAN_ENV: 'production', DATA_DIR: mkdtempSync(join(tmpdir(), 'llr-')) });
    expect(r.code).toBe(2);
    for (const v of ['LIANLIAN_OID_PARTNER', 'LIANLIAN_PRIVATE_KEY', 'LIANLIAN_PUBLIC_KEY', 'REDIS_URL', 'ADMIN_TOKEN'])
      expect(
        r.stderr.split('\n').some((l) => l.includes(v)),
        v,
      ).toBe(true);
  });

  it('never uses the embedded Redis quietly: without REDIS_URL it refuses with one line, starting nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llr-'));
    const r = await runCli(['start'], { ...productionEnv(), HTTP_PORT: String(await freePort()), DATA_DIR: dir });
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error LLRECON_CONFIG: REDIS_URL: required in production: .*REDIS_EMBEDDED=true/);
    expect(existsSync(join(dir, 'redis'))).toBe(false);
  });

  it("stops at a merchant public key given as LianLian's (the public half of LIANLIAN_PRIVATE_KEY), with one line", async () => {
    const r = await runCli(['start'], {
      ...productionEnv(),
      LIANLIAN_PUBLIC_KEY: merchantKeys1024().publicPem,
      REDIS_URL: inject('redisUrl'),
      HTTP_PORT: String(await freePort()),
      DATA_DIR: mkdtempSync(join(tmpdir(), 'llr-')),
    });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      "error LLRECON_CONFIG: LIANLIAN_PUBLIC_KEY: this is the public half of LIANLIAN_PRIVATE_KEY (your own key, the one you upload to LianLian): give LianLian's public key instead",
    ]);
  });

  it('with REDIS_EMBEDDED=true runs the embedded Redis with a generated password, its files private to the user', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llr-prod-embedded-'));
    const port = await freePort();
    const child = cliProcess(['start'], { ...productionEnv(), REDIS_EMBEDDED: 'true', HTTP_PORT: String(port), DATA_DIR: dir });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    await waitFor(() => out.includes(' — roles: '), 60_000);
    try {
      const password = readFileSync(join(dir, 'redis.password'), 'utf8').trim();
      registerSecrets(password);
      expect(password.length).toBeGreaterThanOrEqual(32);
      const url = readFileSync(join(dir, 'redis.url'), 'utf8').trim();
      expect(url).toMatch(/^redis:\/\/:[^@]+@127\.0\.0\.1:\d+$/);
      expect(decodeURIComponent(new URL(url).password)).toBe(password);
      expect(out).not.toContain(password); // the banner masks it
      // without the password Redis refuses; with it, it answers
      const port = Number(new URL(url).port);
      const anonymous = new Redis({ port, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
      anonymous.on('error', () => undefined);
      await expect(anonymous.ping()).rejects.toThrow(/NOAUTH/);
      anonymous.disconnect();
      const authed = new Redis(url);
      expect(await authed.ping()).toBe('PONG');
      await authed.quit();
      // private: the directories 0700, every file 0600, the append-only files included
      expect(modeOf(join(dir, 'redis.password'))).toBe(0o600);
      expect(modeOf(join(dir, 'redis.url'))).toBe(0o600);
      const redisDir = join(dir, 'redis');
      expect(modeOf(redisDir)).toBe(0o700);
      const aofDir = join(redisDir, 'appendonlydir');
      expect(modeOf(aofDir)).toBe(0o700);
      const aofFiles = readdirSync(aofDir);
      expect(aofFiles.length).toBeGreaterThan(0);
      for (const f of [...aofFiles.map((x) => join(aofDir, x)), ...readdirSync(redisDir).map((x) => join(redisDir, x))])
        if (statSync(f).isFile()) expect(modeOf(f), f).toBe(0o600);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 90_000);

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
    expect(redisUrl).toMatch(/^redis:\/\/:[^@]+@127\.0\.0\.1:\d+$/); // the sandbox's has a password too
    registerSecrets(decodeURIComponent(new URL(redisUrl).password));

    const ready = await waitFor(async () => {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null);
      return r?.status === 200 ? r.json() : null;
    });
    expect(ready).toMatchObject({ ready: true });
    // the demo orders are tracked
    const list = await fetch(`http://127.0.0.1:${port}/admin/orders`, { headers: { authorization: `Bearer ${token}` } });
    expect(list.status).toBe(200);
    expect(await list.text()).toContain('DEMO');
    // the CLI finds the daemon's Redis, password and all, in the URL file
    const events = await runCli(['events', '--count', '1'], { DATA_DIR: dir, LOG_LEVEL: 'warn' });
    expect(events.stderr).toBe('');
    expect(events.code).toBe(0);

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
