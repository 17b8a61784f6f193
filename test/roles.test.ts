// Roles on every route of the app (enumerated as it registers them, so a new route cannot slip past): a viewer
// (ADMIN_USERS_FILE) reads every page and API route but the sessions page and changes nothing anywhere; an operator
// — named, or ADMIN_TOKEN's `admin` — may call every route but bull-board's actions refused for everyone; and the
// audit trail records the signed-in name, a caller-given actor only as a claim after it.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/http/app.js';
import { BOARD_OPERATOR_ACTIONS } from '../src/http/admin/permissions.js';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { notifyJobId } from '../src/notify/intake.js';
import { QUEUE } from '../src/queues/names.js';
import { stateOf } from './support/hostile.js';
import { registerSecrets } from './support/log-capture.js';
import { baseOf, pathFor, withRoutes, type RouteDef } from './support/route-list.js';
import { startStack, type Stack } from './support/stack.js';

/** Routes anyone may call (and the API reference's assets under /docs/). */
const PUBLIC_URLS = new Set([
  '/healthz',
  '/readyz',
  '/metrics',
  '/admin/login',
  '/notify/lianlian',
  '/notify/lianlian/return',
  '/openapi.json',
  '/docs',
]);
const PUBLIC = { has: (url: string) => PUBLIC_URLS.has(url) || url.startsWith('/docs/') };
const BOARD_PREFIX = '/admin/queues/';
const READS = new Set(['GET', 'HEAD']);

const viewerToken = randomBytes(24).toString('base64url');
const operatorToken = randomBytes(24).toString('base64url');
const dt = formatLianLianTime(Date.now());
const no = `ROLE${Date.now()}`;
const raw = JSON.stringify({ oid_partner: '201103171000000000', no_order: 'ROLE-NOPE', sign: 'c2lnbmF0dXJl' });

let stack: Stack;
let app: FastifyInstance;
let routes: RouteDef[];
let base: string;

function usersFile(): string {
  const sha = (t: string) => createHash('sha256').update(t).digest('hex');
  const file = join(mkdtempSync(join(tmpdir(), 'llrecon-users-')), 'users.yaml');
  writeFileSync(
    file,
    `- name: vera\n  role: viewer\n  token_sha256: ${sha(viewerToken)}\n- name: otto\n  role: operator\n  token_sha256: ${sha(operatorToken)}\n`,
  );
  return file;
}

beforeAll(async () => {
  registerSecrets(viewerToken, operatorToken);
  stack = await startStack({ env: { ROLES: 'api', ADMIN_USERS_FILE: usersFile() } });
  await stack.engine.track({ no_order: no, dt_order: dt, money_order: '1.00' }, { source: 'embed' });
  await stack.engine.acceptNotification(raw, 'async');
  ({ app, routes } = await withRoutes(() => buildApp(stack.engine, { logger: false })));
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = baseOf(app);
});

afterAll(async () => {
  await app?.close();
  await stack?.close();
});

const path = (url: string) =>
  pathFor(url, { no_order: encodeURIComponent(no), queueName: QUEUE.notify, jobId: notifyJobId('async', raw), queueStatus: 'failed' });
const codeOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;
const as = (token: string, r: RouteDef) =>
  fetch(`${base}${path(r.url)}`, {
    method: r.method,
    headers: { accept: 'application/json', authorization: `Bearer ${token}` },
    redirect: 'manual',
  });
const refusedForAll = (r: RouteDef) => r.url.startsWith(BOARD_PREFIX) && !BOARD_OPERATOR_ACTIONS.has(`${r.method} ${r.url}`);

/** What a refused request could have changed. */
async function snapshot(): Promise<unknown> {
  const paused = await Promise.all(stack.engine.queues.map((q) => q.isPaused()));
  return { state: await stateOf(stack.engine), paused, history: await stack.engine.store.history(no) };
}

describe('roles on every route', () => {
  it('sees the whole app', () => {
    expect(routes.length).toBeGreaterThan(50);
    expect(routes.map((r) => r.url)).toEqual(expect.arrayContaining(['/orders', '/orders/:no_order/requery', '/admin/sessions']));
    expect(routes).toEqual(
      expect.arrayContaining([
        { method: 'GET', url: '/orders' },
        { method: 'DELETE', url: '/orders/:no_order' },
      ]),
    );
  });

  it('lists orders for any signed-in user; untracks only for an operator, with the name recorded', async () => {
    const target = `${no}-DEL`;
    await stack.engine.track({ no_order: target, dt_order: dt, money_order: '2.00' }, { source: 'embed' });
    const send = (method: string, path: string, token: string | null, body?: unknown) =>
      fetch(`${base}${path}`, {
        method,
        headers: {
          ...(token === null ? {} : { authorization: `Bearer ${token}` }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const del = (token: string | null) => send('DELETE', `/orders/${encodeURIComponent(target)}`, token, { reason: 'by role' });
    expect((await send('GET', '/orders?limit=5', null)).status).toBe(401);
    expect((await del(null)).status).toBe(401);
    const listed = await send('GET', '/orders?limit=1000', viewerToken);
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { orders: Array<{ no_order: string }> }).orders.map((o) => o.no_order)).toContain(target);
    const refused = await del(viewerToken);
    expect(refused.status).toBe(403);
    expect(await codeOf(refused)).toBe('LLRECON_ROLE_FORBIDDEN');
    expect(await stack.engine.untrackedAt(target)).toBeNull();
    expect((await del(operatorToken)).status).toBe(200);
    expect(await stack.engine.store.history(target)).toContainEqual(
      expect.objectContaining({ kind: 'action', action: 'untrack', actor: 'otto', reason: 'by role' }),
    );
  });

  it('a viewer reads every page and API route but the sessions page, and changes nothing anywhere', async () => {
    const before = await snapshot();
    for (const r of routes.filter((x) => !PUBLIC.has(x.url))) {
      const what = `${r.method} ${r.url}`;
      const res = await as(viewerToken, r);
      if (READS.has(r.method) && r.url !== '/admin/sessions') {
        expect([401, 403], what).not.toContain(res.status);
        expect(res.status, what).toBeLessThan(500);
      } else if (r.method === 'POST' && r.url === '/admin/logout') {
        expect(res.status, what).toBe(303);
      } else {
        expect(res.status, what).toBe(403);
        if (r.method !== 'HEAD')
          expect(await codeOf(res), what).toBe(refusedForAll(r) ? 'LLRECON_DASHBOARD_ACTION_REFUSED' : 'LLRECON_ROLE_FORBIDDEN');
      }
    }
    expect(await snapshot()).toEqual(before);
  });

  it("an operator (named, or ADMIN_TOKEN's admin) may call every route, but the bull-board actions refused for everyone", async () => {
    const changing = routes.filter((r) => !PUBLIC.has(r.url) && !READS.has(r.method));
    expect(changing.length).toBeGreaterThan(20);
    for (const token of [operatorToken, stack.adminToken])
      for (const r of changing) {
        const what = `${r.method} ${r.url}`;
        const res = await as(token, r);
        expect(res.status, what).toBeLessThan(500);
        if (refusedForAll(r)) {
          expect(res.status, what).toBe(403);
          expect(await codeOf(res), what).toBe('LLRECON_DASHBOARD_ACTION_REFUSED');
        } else if (res.status === 403) {
          // past the guard: only the job's own state may still refuse (a retry of a job that has not failed, a
          // promote of one that is not delayed)
          const body = (await res.json()) as { error: { code: string; message: string } };
          expect(body.error.code, what).toBe('LLRECON_DASHBOARD_ACTION_REFUSED');
          expect(body.error.message, what).toMatch(/^only (failed jobs are retried|delayed jobs are promoted)$/);
        } else expect(res.status, what).not.toBe(401);
      }
    expect((await as(operatorToken, { method: 'GET', url: '/admin/sessions' })).status).toBe(200);
  });

  it('records the signed-in name in the audit trail; a given actor is kept only as a claim after it', async () => {
    const requery = (token: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${base}/orders/${encodeURIComponent(no)}/requery`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const refused = await requery(viewerToken, { reason: 'curious' });
    expect(refused.status).toBe(403);
    expect(await codeOf(refused)).toBe('LLRECON_ROLE_FORBIDDEN');
    expect((await requery(operatorToken, { reason: 'audit 1' })).status).toBe(202);
    expect((await requery(operatorToken, { reason: 'audit 2', actor: 'admin' })).status).toBe(202);
    expect((await requery(operatorToken, { reason: 'audit 3' }, { 'x-llrecon-actor': 'otto' })).status).toBe(202);
    const history = await stack.engine.store.history(no);
    expect(
      history
        .filter((h) => h.kind === 'action' && String(h.reason).startsWith('audit'))
        .map((h) => `${String(h.actor)}: ${String(h.reason)}`),
    ).toEqual(['otto: audit 1', 'otto (on behalf of admin): audit 2', 'otto: audit 3']);
    const viewerPost = await fetch(`${base}/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${viewerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ no_order: `${no}-V`, dt_order: dt }),
    });
    expect(viewerPost.status).toBe(403);
    expect(await stack.engine.store.get(`${no}-V`)).toBeNull();
  });
});
