// What faces the network: the callbacks-only listener (NOTIFY_HTTP_PORT) serves LianLian's two callback routes
// and nothing else — every other route of the app, /metrics and /admin included, is a 404 there; behind a
// TRUST_PROXY proxy, scheme, host and client address are the forwarded ones (Secure cookie, the CSRF origin check
// against the public origin, throttling per real client), and from any other peer those headers are ignored; and
// a production daemon runs with named users only (no ADMIN_TOKEN), both listeners, and the proxy setting.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FREE_FAILURES } from '../src/auth/throttle.js';
import { buildApp, buildNotifyApp } from '../src/http/app.js';
import { generateKeyPair, importPrivateKey } from '../src/lianlian/keys.js';
import { signFields } from '../src/lianlian/signature.js';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { notifyJobId } from '../src/notify/intake.js';
import { freePort } from '../src/redis/embedded-server.js';
import { cliProcess } from './support/cli.js';
import { fetchFrom, freshLoopback } from './support/from-address.js';
import { registerSecrets } from './support/log-capture.js';
import { baseOf, withRoutes, type RouteDef } from './support/route-list.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

/** A callback as LianLian signs it (with the simulator's LianLian key of the stack). */
function signedCallback(s: Stack, no: string): string {
  const fields = {
    oid_partner: s.oidPartner,
    no_order: no,
    dt_order: formatLianLianTime(Date.now()),
    money_order: '1.00',
    oid_paybill: `2026${Date.now()}`.slice(0, 16),
    result_pay: 'SUCCESS',
    sign_type: 'RSA',
  };
  return JSON.stringify(signFields(fields, importPrivateKey(s.lianlianKeyPem)));
}

describe('the callbacks-only listener (NOTIFY_HTTP_PORT)', () => {
  let stack: Stack;
  let main: { app: FastifyInstance; routes: RouteDef[] };
  let callbacks: { app: FastifyInstance; routes: RouteDef[] };

  beforeAll(async () => {
    stack = await startStack({ env: { ROLES: 'api' } });
    main = await withRoutes(() => buildApp(stack.engine, { logger: false }));
    callbacks = await withRoutes(() => buildNotifyApp(stack.engine, { logger: false }));
    await callbacks.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await callbacks?.app.close();
    await main?.app.close();
    await stack?.close();
  });

  it('declares the two callback routes and nothing else', () => {
    expect(callbacks.routes.filter((r) => r.method !== 'HEAD')).toEqual([
      { method: 'POST', url: '/notify/lianlian' },
      { method: 'POST', url: '/notify/lianlian/return' },
    ]);
  });

  it('answers 404 for every other route of the app, with credentials, and changes nothing', async () => {
    const base = baseOf(callbacks.app);
    const others = main.routes.filter((r) => !callbacks.routes.some((c) => c.method === r.method && c.url === r.url));
    expect(others.length).toBeGreaterThan(50);
    expect(others.map((r) => r.url)).toEqual(
      expect.arrayContaining(['/metrics', '/healthz', '/readyz', '/admin/login', '/orders', '/admin/queues']),
    );
    const before = await stack.engine.store.list({ limit: 10, offset: 0 });
    for (const r of others) {
      const path = r.url.replace(/:(\w+)/g, 'x').replace(/\*$/, 'x.js');
      const res = await fetch(`${base}${path}`, {
        method: r.method,
        headers: { authorization: `Bearer ${stack.adminToken}`, accept: 'application/json', 'content-type': 'application/json' },
        ...(['GET', 'HEAD'].includes(r.method) ? {} : { body: '{}' }),
        redirect: 'manual',
      });
      const what = `${r.method} ${path}`;
      if (path.startsWith('/notify/lianlian')) expect(res.status, what).toBe(405);
      else expect(res.status, what).toBe(404);
      const text = await res.text();
      if (r.method !== 'HEAD' && res.status === 404) expect(text, what).toContain('LLRECON_ROUTE_NOT_FOUND');
    }
    expect(await stack.engine.store.list({ limit: 10, offset: 0 })).toEqual(before);
  });

  it('takes a signed callback and a url_return form, as the main listener does', async () => {
    const base = baseOf(callbacks.app);
    const raw = signedCallback(stack, `EDGE${Date.now()}`);
    const res = await fetch(`${base}/notify/lianlian`, {
      method: 'POST',
      headers: { 'content-type': 'text/json;charset=utf-8' },
      body: raw,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ret_code: '0000', ret_msg: '交易成功' });
    expect(await stack.engine.ctx.queues.notify.getJob(notifyJobId('async', raw))).toBeDefined();
    const form = new URLSearchParams(JSON.parse(signedCallback(stack, `EDGE${Date.now()}R`)) as Record<string, string>);
    const ret = await fetch(`${base}/notify/lianlian/return`, { method: 'POST', body: form });
    expect(ret.status).toBe(200);
    expect(await ret.json()).toEqual({ ok: true });
  });
});

describe('behind a TLS proxy (TRUST_PROXY)', () => {
  let stack: Stack;
  let base: string;
  const PUBLIC = 'https://recon.example.com';
  const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'recon.example.com' };

  beforeAll(async () => {
    stack = await startStack({ http: true, env: { TRUST_PROXY: '127.0.0.1' } });
    base = stack.url as string;
  });
  afterAll(async () => stack?.close());

  /** The login form posted through `from` (redirects are not followed). */
  function login(from: ReturnType<typeof fetchFrom>, headers: Record<string, string>): Promise<Response> {
    return from(`${base}/admin/login`, { method: 'POST', headers, body: new URLSearchParams({ token: stack.adminToken }) });
  }

  it('signs in through the proxy: the cookie is Secure, and forms posted from the public origin pass the CSRF check', async () => {
    // the proxy's own address (127.0.0.1) is the trusted one
    const res = await login(fetchFrom('127.0.0.1'), { ...forwarded, origin: PUBLIC });
    expect(res.status).toBe(303);
    const set = res.headers.getSetCookie()[0] as string;
    expect(set).toMatch(/;\s*Secure/i);
    const cookie = set.split(';')[0] as string;
    const no = `PX${Date.now()}`;
    await stack.engine.track({ no_order: no, dt_order: formatLianLianTime(Date.now()) }, { source: 'embed' });
    const page = await (await fetch(`${base}/admin/orders/${no}`, { headers: { cookie, accept: 'text/html', ...forwarded } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] as string;
    const requery = (headers: Record<string, string>) =>
      fetch(`${base}/admin/orders/${no}/requery`, {
        method: 'POST',
        headers: { cookie, ...headers },
        body: new URLSearchParams({ _csrf: csrf, reason: 'through the proxy' }),
        redirect: 'manual',
      });
    // the public origin is ours; the address llrecon listens on is not what the browser saw
    expect((await requery({ ...forwarded, origin: PUBLIC })).status).toBe(303);
    expect((await requery({ ...forwarded, origin: PUBLIC.replace('https', 'http') })).status).toBe(403);
    expect((await requery({ ...forwarded, origin: base })).status).toBe(403);
    expect((await requery({ ...forwarded })).status).toBe(403);
    const history = await stack.engine.store.history(no);
    expect(history.filter((h) => h.kind === 'action').map((h) => h.actor)).toEqual(['admin']);
  });

  it('ignores forwarded headers from a peer that is not a trusted proxy', async () => {
    const from = fetchFrom(freshLoopback());
    const res = await login(from, { ...forwarded, origin: PUBLIC });
    // not https as far as llrecon knows: the public origin is foreign, so the login form refuses it
    expect(res.status).toBe(403);
    const plain = await login(from, { ...forwarded });
    expect(plain.status).toBe(303);
    expect(plain.headers.getSetCookie()[0]).not.toMatch(/Secure/i);
  });

  it('throttles the client the proxy names, not the proxy, and cannot be steered by a client-made X-Forwarded-For', async () => {
    const wrong = (ip: string) =>
      fetch(`${base}/orders/X`, { headers: { authorization: `Bearer ${randomBytes(20).toString('hex')}`, 'x-forwarded-for': ip } });
    for (let i = 0; i <= FREE_FAILURES; i++) expect((await wrong('203.0.113.7')).status).toBe(403);
    const held = await fetch(`${base}/orders/X`, {
      headers: { authorization: `Bearer ${stack.adminToken}`, 'x-forwarded-for': '203.0.113.7' },
    });
    expect(held.status).toBe(429);
    // another client behind the same proxy is not held
    const other = await fetch(`${base}/orders/X`, {
      headers: { authorization: `Bearer ${stack.adminToken}`, 'x-forwarded-for': '203.0.113.8' },
    });
    expect(other.status).toBe(404);
    // a client that prepends an address of its own is still counted as the address the proxy saw
    const spoofed = await fetch(`${base}/orders/X`, {
      headers: { authorization: `Bearer ${stack.adminToken}`, 'x-forwarded-for': '198.51.100.1, 203.0.113.7' },
    });
    expect(spoofed.status).toBe(429);
    // a peer that is not the proxy is counted as itself, whatever it forwards
    const direct = fetchFrom(freshLoopback());
    const own = await direct(`${base}/orders/X`, {
      headers: { authorization: `Bearer ${stack.adminToken}`, 'x-forwarded-for': '203.0.113.7' },
    });
    expect(own.status).toBe(404);
  });
});

describe('a production daemon with named users only, both listeners and TRUST_PROXY', () => {
  it('starts without ADMIN_TOKEN, serves the API and pages to its users, and callbacks alone on the public port', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llr-edge-'));
    const ops = randomBytes(24).toString('base64url');
    registerSecrets(ops);
    const users = join(dir, 'users.yaml');
    writeFileSync(users, `- name: ops\n  role: operator\n  token_sha256: ${createHash('sha256').update(ops).digest('hex')}\n`);
    const merchant = generateKeyPair(1024);
    const lianlian = generateKeyPair(1024);
    registerSecrets(merchant.privatePem, merchant.privateBase64);
    const [port, notifyPort] = [await freePort(), await freePort()];
    const child = cliProcess(['start'], {
      LIANLIAN_ENV: 'production',
      LIANLIAN_OID_PARTNER: '201408071000001543',
      LIANLIAN_PRIVATE_KEY: merchant.privateBase64,
      LIANLIAN_PUBLIC_KEY: lianlian.publicBase64,
      ADMIN_USERS_FILE: users,
      TRUST_PROXY: 'loopback',
      NOTIFY_HTTP_PORT: String(notifyPort),
      HTTP_PORT: String(port),
      REDIS_URL: inject('redisUrl'),
      REDIS_PREFIX: `edge${randomBytes(3).toString('hex')}`,
      ROLES: 'api',
      DATA_DIR: dir,
      LOG_LEVEL: 'warn',
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    try {
      await waitFor(() => out.includes('callbacks (public)'), 30_000);
      expect(out).toContain(`http://127.0.0.1:${notifyPort}/notify/lianlian`);
      const main = `http://127.0.0.1:${port}`;
      const pub = `http://127.0.0.1:${notifyPort}`;
      expect((await fetch(`${main}/admin/orders`, { headers: { authorization: `Bearer ${ops}` } })).status).toBe(200);
      expect((await fetch(`${main}/orders/NONE`, { headers: { authorization: `Bearer ${ops}` } })).status).toBe(404);
      for (const path of ['/metrics', '/healthz', '/readyz', '/admin/login', '/admin/orders', '/orders/NONE', '/docs'])
        expect((await fetch(`${pub}${path}`, { headers: { authorization: `Bearer ${ops}` } })).status, path).toBe(404);
      const cb = await fetch(`${pub}/notify/lianlian`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ oid_partner: '201408071000001543', no_order: 'EDGE-1', sign: 'c2ln' }),
      });
      expect(cb.status).toBeLessThan(500);
      expect(out).not.toContain(ops);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 60_000);
});
