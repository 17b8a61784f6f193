// Failed sign-ins are throttled per source address, on every way of signing in (the API's bearer token, the
// pages' bearer and basic credentials, the login form): 20 free, then the address waits (429, Retry-After) even
// with the right token, while other addresses are untouched; a success starts the count over. Each failure is
// logged at warn (address, route pattern, how — never the token) and counted in llrecon_auth_failures_total.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FREE_FAILURES } from '../src/auth/throttle.js';
import { buildApp } from '../src/http/app.js';
import { createLogger } from '../src/log.js';
import { fetchFrom, freshLoopback } from './support/from-address.js';
import { registerSecrets, testLogDir } from './support/log-capture.js';
import { startStack, type Stack } from './support/stack.js';

let stack: Stack;
let app: FastifyInstance;
let base: string;
let logFile: string;
const wrongTokens: string[] = [];

/** A wrong token of the right shape, remembered so that the log can be searched for it. */
function wrongToken(): string {
  const t = randomBytes(24).toString('base64url');
  wrongTokens.push(t);
  return t;
}

beforeAll(async () => {
  stack = await startStack({ env: { ROLES: 'api' } });
  logFile = join(testLogDir(), `auth-throttle-${process.pid}-${randomBytes(3).toString('hex')}.log`);
  const log = createLogger({ level: 'debug', destination: pino.destination({ dest: logFile, sync: true }) });
  app = await buildApp({ ...stack.engine, log });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

afterAll(async () => {
  await app?.close();
  await stack?.close();
});

const codeOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

describe('failed sign-ins, per source address', () => {
  it('the API: 20 wrong tokens answered 403, then the address waits (429 with Retry-After), even with the right token', async () => {
    const from = fetchFrom(freshLoopback());
    const other = fetchFrom(freshLoopback());
    const order = `${base}/orders/NOPE`;
    const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
    for (let i = 1; i <= FREE_FAILURES + 1; i++) {
      const res = await from(order, bearer(wrongToken()));
      expect(res.status, `failure ${i}`).toBe(403);
    }
    const held = await from(order, bearer(stack.adminToken));
    expect(held.status).toBe(429);
    expect(held.headers.get('retry-after')).toBe('1');
    expect(await codeOf(held)).toBe('LLRECON_AUTH_THROTTLED');
    // another address is not held; no credentials at all is not an attempt
    expect((await other(order, bearer(stack.adminToken))).status).toBe(404);
    expect((await from(order)).status).toBe(401);
    // once the wait is over the right token goes through, and the count starts over
    await new Promise((r) => setTimeout(r, 1100));
    expect((await from(order, bearer(stack.adminToken))).status).toBe(404);
    for (let i = 1; i <= FREE_FAILURES; i++) expect((await from(order, bearer(wrongToken()))).status, `again ${i}`).toBe(403);
  });

  it('the pages: bearer and basic credentials count alike', async () => {
    const from = fetchFrom(freshLoopback());
    for (let i = 0; i <= FREE_FAILURES; i++) {
      const authorization = i % 2 === 0 ? `Bearer ${wrongToken()}` : `Basic ${Buffer.from(`ops:${wrongToken()}`).toString('base64')}`;
      expect((await from(`${base}/admin/orders`, { headers: { authorization } })).status).toBe(403);
    }
    const held = await from(`${base}/admin/orders`, {
      headers: { authorization: `Basic ${Buffer.from(`ops:${stack.adminToken}`).toString('base64')}` },
    });
    expect(held.status).toBe(429);
    expect(await codeOf(held)).toBe('LLRECON_AUTH_THROTTLED');
  });

  it('the login form: a held address gets the form back with the wait, and no session', async () => {
    const from = fetchFrom(freshLoopback());
    const login = (token: string) =>
      from(`${base}/admin/login`, { method: 'POST', headers: { accept: 'text/html' }, body: new URLSearchParams({ token }) });
    for (let i = 0; i <= FREE_FAILURES; i++) expect((await login(wrongToken())).status).toBe(403);
    const held = await login(stack.adminToken);
    expect(held.status).toBe(429);
    expect(held.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(held.headers.getSetCookie()).toEqual([]);
    expect(await held.text()).toMatch(/too many failed sign-ins from this address: try again in \d+ s/);
    // an empty form is not a guess
    const fresh = fetchFrom(freshLoopback());
    for (let i = 0; i < FREE_FAILURES + 5; i++)
      expect((await fresh(`${base}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: '' }) })).status).toBe(403);
    expect((await fresh(`${base}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: stack.adminToken }) })).status).toBe(
      303,
    );
  });

  it('logs each failure at warn with the address and route pattern, never a token, and counts them', async () => {
    registerSecrets(...wrongTokens);
    const lines = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes('authentication failed'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThanOrEqual(3 * FREE_FAILURES);
    for (const l of lines) {
      expect(l.level).toBe(40);
      expect(l.ip).toMatch(/^127\.\d+\.\d+\.\d+$/);
      expect(['bearer', 'basic', 'login']).toContain(l.via);
    }
    expect(lines.map((l) => l.route)).toEqual(expect.arrayContaining(['/orders/:no_order', '/admin/orders', '/admin/login']));
    const text = readFileSync(logFile, 'utf8');
    for (const t of [...wrongTokens, stack.adminToken]) expect(text.includes(t)).toBe(false);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const value = (name: string, via: string) => Number(new RegExp(`^${name}\\{via="${via}"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? -1);
    expect(value('llrecon_auth_failures_total', 'bearer')).toBeGreaterThanOrEqual(2 * FREE_FAILURES);
    expect(value('llrecon_auth_failures_total', 'basic')).toBeGreaterThanOrEqual(FREE_FAILURES / 2);
    expect(value('llrecon_auth_failures_total', 'login')).toBe(FREE_FAILURES + 1);
    expect(value('llrecon_auth_throttled_total', 'bearer')).toBe(1);
    expect(value('llrecon_auth_throttled_total', 'basic')).toBe(1);
    expect(value('llrecon_auth_throttled_total', 'login')).toBe(1);
  });
});
