// The locks of the whole HTTP app: every route it serves (enumerated with an onRoute hook installed before the app
// registers a single route, so a new one cannot slip past) refuses requests without the token unless it is on the
// short public list (what each role may do on every route: roles.test.ts); tokens are compared in constant time; the
// dashboard's state-changing routes need the CSRF token or our Origin; and no credential, signature or card number
// sent in a request reaches the log.
import { randomBytes } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/http/app.js';
import { safeEqual } from '../src/http/auth.js';
import { createLogger } from '../src/log.js';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { notifyJobId } from '../src/notify/intake.js';
import { QUEUE } from '../src/queues/names.js';
import { fetchFrom, freshLoopback } from './support/from-address.js';
import { prototypeProperties, rawExchange, stateOf } from './support/hostile.js';
import { TEST_CARD_NO, registerSecrets, testLogDir } from './support/log-capture.js';
import { startStack, type Stack } from './support/stack.js';
import { adminLogin } from './support/admin-login.js';

interface RouteDef {
  method: string;
  url: string;
}

/**
 * Routes anyone may call: probes, LianLian's callbacks, the admin login form, the icon browsers ask for, and the API
 * reference (`/openapi.json`, `/docs` and swagger-ui's assets under it: they describe the API, never show its data).
 * Nothing else.
 */
const PUBLIC: ReadonlyArray<RouteDef> = [
  ...['GET', 'HEAD'].flatMap((method) =>
    ['/healthz', '/readyz', '/metrics', '/admin/login', '/favicon.ico', '/openapi.json', '/docs'].map((url) => ({ method, url })),
  ),
  { method: 'POST', url: '/admin/login' },
  { method: 'POST', url: '/notify/lianlian' },
  { method: 'POST', url: '/notify/lianlian/return' },
];
const isDocs = (r: RouteDef) => (r.method === 'GET' || r.method === 'HEAD') && r.url.startsWith('/docs/');
const isPublic = (r: RouteDef) => isDocs(r) || PUBLIC.some((p) => p.method === r.method && p.url === r.url);

/** Where bull-board's own API lives (checked by origin only: its UI cannot carry our form token). */
const BOARD_PREFIX = '/admin/queues/';

let stack: Stack;
let app: FastifyInstance;
let base: string;
let logFile: string;
const routes: RouteDef[] = [];
const dt = formatLianLianTime(Date.now());
const no = `SEC${Date.now()}`;
const raw = JSON.stringify({ oid_partner: '201103171000000000', no_order: 'SEC-NOPE', sign: 'c2lnbmF0dXJl', card_no: TEST_CARD_NO });
const protoBefore = prototypeProperties();

/**
 * Build the app as the daemon does, with an onRoute hook on the Fastify instance from the moment it exists
 * (Fastify announces every new instance on the `fastify.initialization` diagnostics channel, before any plugin),
 * logging at trace level into a file of our own.
 */
async function buildWatched(s: Stack): Promise<FastifyInstance> {
  const onInit = (message: unknown) => {
    const { fastify } = message as { fastify: FastifyInstance };
    fastify.addHook('onRoute', (r) => {
      for (const method of [r.method].flat()) routes.push({ method, url: r.url });
    });
  };
  logFile = join(testLogDir(), `security-trace-${process.pid}-${randomBytes(3).toString('hex')}.log`);
  const log = createLogger({ level: 'trace', destination: pino.destination({ dest: logFile, sync: true }) });
  diagnostics.subscribe('fastify.initialization', onInit);
  try {
    return await buildApp({ ...s.engine, log });
  } finally {
    diagnostics.unsubscribe('fastify.initialization', onInit);
  }
}

beforeAll(async () => {
  stack = await startStack({ env: { ROLES: 'api' } });
  await stack.engine.track({ no_order: no, dt_order: dt, money_order: '1.00' }, { source: 'embed' });
  await stack.engine.acceptNotification(raw, 'async');
  app = await buildWatched(stack);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

afterAll(async () => {
  await app?.close();
  await stack?.close();
});

/** A concrete path for a route pattern: each parameter filled in, a trailing wildcard too. */
function pathFor(url: string): string {
  const values: Record<string, string> = {
    no_order: encodeURIComponent(no),
    queueName: QUEUE.notify,
    jobId: notifyJobId('async', raw),
    queueStatus: 'failed',
  };
  return url.replace(/:(\w+)/g, (_, name: string) => values[name] ?? 'x').replace(/\*$/, 'x.js');
}

const login = (): Promise<string> => adminLogin(base, stack.adminToken);

/** What a refused or accepted request could have changed. */
async function snapshot(): Promise<unknown> {
  const paused = await Promise.all(stack.engine.queues.map((q) => q.isPaused()));
  return { state: await stateOf(stack.engine), paused, history: await stack.engine.store.history(no) };
}

describe('route enumeration', () => {
  it('sees every route the app serves, and each one is served', () => {
    const urls = new Set(routes.map((r) => r.url));
    for (const want of [
      '/orders',
      '/orders/:no_order',
      '/orders/:no_order/requery',
      '/notify/lianlian',
      '/healthz',
      '/admin/orders',
      '/admin/queues',
      '/admin/callbacks',
    ])
      expect(urls, want).toContain(want);
    expect(routes.length).toBeGreaterThan(50);
    for (const r of routes) expect(app.hasRoute({ method: r.method as 'GET', url: r.url }), `${r.method} ${r.url}`).toBe(true);
    // the public list names real routes only (it cannot go stale unnoticed)
    for (const p of PUBLIC) expect(routes, `${p.method} ${p.url}`).toContainEqual(p);
  });
});

describe('authentication on every route', () => {
  it('refuses each non-public route without credentials (401) and with a wrong token (403), changing nothing', async () => {
    const before = await snapshot();
    const guarded = routes.filter((r) => !isPublic(r));
    expect(guarded.length).toBeGreaterThan(40);
    for (const r of guarded) {
      const path = pathFor(r.url);
      const what = `${r.method} ${path}`;
      const send = (headers: Record<string, string>) =>
        fetch(`${base}${path}`, { method: r.method, headers: { accept: 'application/json', ...headers }, redirect: 'manual' });
      const none = await send({});
      expect(none.status, `${what} without credentials`).toBe(401);
      if (r.method !== 'HEAD') expect(((await none.json()) as { error: { code: string } }).error.code, what).toBe('LLRECON_UNAUTHORIZED');
      // wrong tokens from an address of their own per route: the throttle counts failures per source address
      const from = fetchFrom(freshLoopback());
      for (const authorization of ['Bearer wrong-token', `Bearer ${stack.adminToken}x`, `Bearer ${stack.adminToken.slice(0, -1)}`]) {
        const wrong = await from(`${base}${path}`, { method: r.method, headers: { accept: 'application/json', authorization } });
        expect(wrong.status, `${what} with ${authorization.slice(0, 12)}…`).toBe(403);
      }
      // credentials of other kinds are no token: a forged session cookie, the token as a query parameter
      const forged = await send({ cookie: 'llrecon_admin=v1.AAAAAAAAAAAAAAAAAAAAAAAA.9999999999.forged' });
      expect(forged.status, `${what} with a forged cookie`).toBe(401);
      const inQuery = await fetch(`${base}${path}${path.includes('?') ? '&' : '?'}token=${stack.adminToken}`, {
        method: r.method,
        headers: { accept: 'application/json' },
        redirect: 'manual',
      });
      expect(inQuery.status, `${what} with the token in the query`).toBe(401);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('lets the public routes through without credentials', async () => {
    for (const r of PUBLIC) {
      const res = await fetch(`${base}${r.url}`, { method: r.method, headers: { accept: 'application/json' }, redirect: 'manual' });
      expect(res.status, `${r.method} ${r.url}`).not.toBe(401);
      expect(res.status, `${r.method} ${r.url}`).toBeLessThan(500);
      // the login form itself refuses an empty form (403), but the guard asked for nothing
      if (r.method === 'GET') expect(res.status, `${r.method} ${r.url}`).toBe(200);
    }
  });

  it('lets every non-public GET through with the token (bearer or session cookie), without a 5xx', async () => {
    const cookie = await login();
    for (const r of routes.filter((x) => x.method === 'GET' && !isPublic(x))) {
      for (const headers of [{ authorization: `Bearer ${stack.adminToken}` }, { cookie }] as Array<Record<string, string>>) {
        const res = await fetch(`${base}${pathFor(r.url)}`, { headers, redirect: 'manual' });
        const api = r.url.startsWith('/orders') || r.url.startsWith('/settlements');
        if (api && 'cookie' in headers) expect(res.status, `${r.url}: the API takes no cookie`).toBe(401);
        else expect([401, 403], `${r.url}`).not.toContain(res.status);
        expect(res.status, r.url).toBeLessThan(500);
      }
    }
  });
});

describe('hostile query strings', () => {
  it('never give a 5xx on any GET route, with the token', async () => {
    const cookie = await login();
    const gets = routes.filter((r) => r.method === 'GET');
    const query = fc.oneof(
      fc.constantFrom(
        'page=1e308',
        'page=-1',
        'page=99999999999999999999',
        'older_than=99999999d',
        'q=%00',
        'q=%FF',
        'state=__proto__',
        'page[]=1',
        'page=1&page=2',
        '__proto__[x]=1',
        'constructor[prototype][x]=1',
        'next=%FF',
        'activeQueue=__proto__&status=latest&page=1',
        'activeQueue=notify&status=__proto__&page=-5',
        'activeQueue=notify&status=latest&page=1e308&jobsPerPage=1e9',
      ),
      fc
        .dictionary(
          fc.constantFrom('page', 'q', 'state', 'older_than', 'next', 'activeQueue', 'status', 'jobsPerPage'),
          fc.string({ maxLength: 12, unit: 'grapheme' }),
          { maxKeys: 3 },
        )
        .map((d) => new URLSearchParams(d).toString()),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...gets), query, async (r, q) => {
        const path = `${pathFor(r.url)}?${q}`;
        const res = await fetch(`${base}${path}`, { headers: { cookie, authorization: `Bearer ${stack.adminToken}` }, redirect: 'manual' });
        expect(res.status, `${path}: ${(await res.text()).slice(0, 200)}`).toBeLessThan(500);
      }),
      { numRuns: 200 },
    );
    expect(prototypeProperties()).toEqual(protoBefore);
  });
});

describe('token comparison', () => {
  it('safeEqual answers right for equal, unequal and different-length inputs', () => {
    const token = stack.adminToken;
    expect(safeEqual(token, token)).toBe(true);
    expect(safeEqual(token, `${token}`.slice(0))).toBe(true);
    for (const other of [
      '',
      token.slice(0, -1),
      `${token}x`,
      `x${token}`,
      token.toUpperCase() === token ? token.toLowerCase() : token.toUpperCase(),
      `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`,
      token.repeat(2),
      'é',
    ])
      expect(safeEqual(token, other), other).toBe(false);
    expect(safeEqual('', '')).toBe(true);
    // strings that differ only past a short digest-sized prefix, or in a multi-byte character
    expect(safeEqual('a'.repeat(64) + 'b', 'a'.repeat(64) + 'c')).toBe(false);
    expect(safeEqual('é', 'e\u0301')).toBe(false);
    fc.assert(
      fc.property(fc.string({ maxLength: 80, unit: 'grapheme' }), fc.string({ maxLength: 80, unit: 'grapheme' }), (a, b) => {
        expect(safeEqual(a, b)).toBe(a === b);
        expect(safeEqual(a, a)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('is built on crypto.timingSafeEqual over digests of one length, and no token is compared with === in the HTTP code', () => {
    const source = readFileSync(new URL('../src/http/auth.ts', import.meta.url), 'utf8');
    const fn = /export function safeEqual\([^)]*\)[^{]*\{([^}]*)\}/.exec(source)?.[1] ?? '';
    expect(fn).toMatch(/timingSafeEqual\(\s*digest\(a\),\s*digest\(b\)\s*\)/);
    const digest = /function digest\([^)]*\)[^{]*\{([^}]*)\}/.exec(source)?.[1] ?? '';
    expect(digest).toMatch(/createHmac\('sha256'/);
    expect(digest).toMatch(/\.digest\(\)/);
    expect(source).toMatch(/import \{[^}]*timingSafeEqual[^}]*\} from 'node:crypto'/);
    // in the code that checks credentials: no token, password, CSRF value or signature compared with ==/=== (only
    // with null, undefined or '' to see whether one was given)
    const absent = /^(null|undefined|''|""|'string')$/;
    const secretish = /token|csrf|password|secret|sig\b|sent/i;
    let checked = 0;
    for (const f of ['auth.ts', 'admin/guard.ts', 'admin/csrf.ts', 'admin/session.ts', 'admin/login-routes.ts']) {
      const text = readFileSync(new URL(`../src/http/${f}`, import.meta.url), 'utf8');
      const comparisons = [...text.matchAll(/([\w.$?[\]]+)\s*(?:===|!==|==|!=)\s*([\w.$?[\]'"]+)/g)].map(
        (m) => [m[1] as string, m[2] as string] as const,
      );
      const aboutSecrets = comparisons.filter(([l, r]) => secretish.test(l) || secretish.test(r));
      checked += aboutSecrets.length;
      expect(
        aboutSecrets.filter(([l, r]) => !absent.test(l) && !absent.test(r)),
        f,
      ).toEqual([]);
    }
    // the scan does see the comparisons with null and '' that these files make
    expect(checked).toBeGreaterThan(3);
  });

  it('refuses wrong tokens of every length the same way (no early exit on length)', async () => {
    const bodies = new Set<string>();
    for (const length of [0, 1, stack.adminToken.length - 1, stack.adminToken.length, stack.adminToken.length + 1, 500]) {
      const wrong = length === stack.adminToken.length ? `${stack.adminToken.slice(0, -1)}~` : 'w'.repeat(length);
      const res = await fetch(`${base}/orders/${encodeURIComponent(no)}`, { headers: { authorization: `Bearer ${wrong}` } });
      if (length === 0) {
        expect(res.status).toBe(401);
        continue;
      }
      expect(res.status, `length ${length}`).toBe(403);
      bodies.add(await res.text());
    }
    expect(bodies.size).toBe(1);
  });
});

describe('CSRF on the dashboard', () => {
  it('refuses every cookie-authenticated state-changing admin route without our Origin, and our forms without the form token', async () => {
    const cookie = await login();
    const changing = routes.filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method) && r.url.startsWith('/admin') && !isPublic(r));
    expect(changing.map((r) => r.url)).toEqual(expect.arrayContaining(['/admin/orders/:no_order/requery', '/admin/logout']));
    const before = await snapshot();
    for (const r of changing) {
      const path = pathFor(r.url);
      const what = `${r.method} ${path}`;
      const send = (headers: Record<string, string>, form: Record<string, string> = { actor: 'mallory', reason: 'csrf' }) =>
        fetch(`${base}${path}`, {
          method: r.method,
          headers: { cookie, accept: 'application/json', ...headers },
          body: new URLSearchParams(form),
          redirect: 'manual',
        });
      const foreign: Array<Record<string, string>> = [
        {},
        { origin: 'http://evil.example' },
        { origin: 'null' },
        { referer: 'http://evil.example/x' },
        { origin: base.replace('127.0.0.1', 'localhost') },
      ];
      for (const headers of foreign) {
        const res = await send(headers);
        expect(res.status, `${what} ${JSON.stringify(headers)}`).toBe(403);
        expect(((await res.json()) as { error: { code: string } }).error.code, what).toBe('LLRECON_CSRF');
      }
      if (r.url.startsWith(BOARD_PREFIX)) continue;
      const forms: Array<Record<string, string>> = [
        { actor: 'mallory', reason: 'csrf' },
        { actor: 'mallory', reason: 'csrf', _csrf: '' },
        { actor: 'mallory', reason: 'csrf', _csrf: 'x'.repeat(43) },
      ];
      for (const form of forms) {
        const res = await send({ origin: base }, form);
        expect(res.status, `${what} with form ${JSON.stringify(form)}`).toBe(403);
        expect(((await res.json()) as { error: { code: string } }).error.code, what).toBe('LLRECON_CSRF');
      }
    }
    expect(await snapshot()).toEqual(before);
  });
});

describe('what reaches the log', () => {
  it('no token, password, cookie, signature or card data sent in requests is logged, even at trace level', async () => {
    const cookie = await login();
    const session = cookie.split('=')[1] as string;
    const sign = randomBytes(96).toString('base64');
    const idNo = '11010119900307123X';
    const acctName = '王小明测试';
    registerSecrets(sign, session, idNo, acctName);
    const secretBody = JSON.stringify({
      oid_partner: stack.oidPartner,
      no_order: 'LOG-1',
      card_no: TEST_CARD_NO,
      id_no: idNo,
      acct_name: acctName,
      sign,
    });
    const token = stack.adminToken;
    const basic = `Basic ${Buffer.from(`ops:${token}`).toString('base64')}`;
    const requests: Array<Promise<unknown>> = [
      fetch(`${base}/orders/${encodeURIComponent(no)}`, { headers: { authorization: `Bearer ${token}` } }),
      fetch(`${base}/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}x`, 'content-type': 'application/json' },
        body: secretBody,
      }),
      fetch(`${base}/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: secretBody,
      }),
      fetch(`${base}/orders`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: `{"platform":"${TEST_CARD_NO}","sign":"${sign}"`,
      }),
      fetch(`${base}/admin/orders`, { headers: { authorization: basic } }),
      fetch(`${base}/admin/orders`, { headers: { cookie } }),
      fetch(`${base}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: `${token}-wrong` }) }),
      fetch(`${base}/notify/lianlian`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: secretBody }),
      fetch(`${base}/notify/lianlian`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: secretBody.slice(0, -2) }),
      fetch(`${base}/notify/lianlian/return`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ card_no: TEST_CARD_NO, sign, id_no: idNo }).toString(),
      }),
      fetch(`${base}/notify/lianlian/return`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `card_no=${TEST_CARD_NO}&card_no=${TEST_CARD_NO}&sign=${encodeURIComponent(sign)}`,
      }),
      fetch(`${base}/orders/${encodeURIComponent(no)}?token=${token}`, { headers: { authorization: `Bearer ${token}` } }),
      // what a stranger puts in a path: an unknown route, or a route's parameter
      fetch(`${base}/no-such-page/${token}`, { headers: { accept: 'application/json' } }),
      fetch(`${base}/admin/${session}/x`, { headers: { cookie } }),
      fetch(`${base}/orders/${TEST_CARD_NO}`, { headers: { authorization: `Bearer ${token}` } }),
      // malformed HTTP carrying credentials: Fastify's client-error path logs the error object
      rawExchange(base, {
        path: '/orders',
        headers: { authorization: `Bearer ${token}`, cookie, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        body: `zz\r\n${secretBody}\r\n0\r\n\r\n`,
      }),
      rawExchange(base, {
        path: '/notify/lianlian',
        headers: { authorization: basic, 'content-type': 'application/json', 'x-bad\u0001': token },
        body: secretBody,
      }),
    ];
    await Promise.all(requests);
    const text = readFileSync(logFile, 'utf8');
    expect(text.length, 'the app logged at trace level').toBeGreaterThan(0);
    expect(text).toContain('http request');
    for (const [name, secret] of Object.entries({ token, session, sign, card: TEST_CARD_NO, idNo, acctName, basic: basic.slice(6) }))
      expect(text.includes(secret), name).toBe(false);
  });
});
