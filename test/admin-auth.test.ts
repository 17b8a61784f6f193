// The admin pages' locks: every /admin route (ours and bull-board's, enumerated with an onRoute hook so a new
// one cannot slip past) refuses requests without the admin token; with it, everything works; cookie-authenticated
// state changes need our origin and the form's CSRF token; and the job dashboard never shows secrets.
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminPlugin } from '../src/http/admin/index.js';
import { MASK, maskSecrets, maskSignString } from '../src/http/admin/masking.js';
import { safeNext } from '../src/http/admin/login-routes.js';
import { mergeTimeline } from '../src/http/admin/order-timeline.js';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { CENSOR, createLogger } from '../src/log.js';
import { SECRET_FIELDS } from '../src/secret-fields.js';
import { notifyJobId } from '../src/notify/intake.js';
import { fetchFrom, freshLoopback } from './support/from-address.js';
import { startStack, waitFor, type Stack } from './support/stack.js';
import { adminLogin } from './support/admin-login.js';

const CARD = '6222021234567890123';

describe('masking (pure)', () => {
  it('masks secrets and card data at any depth, in objects, arrays, and JSON or form text', () => {
    const riskItem = JSON.stringify({ user_info_id_no: '110101199003070000', frms_ware_category: '2009' });
    const raw = JSON.stringify({
      oid_partner: '201103171000000000',
      no_order: 'ORD-1',
      money_order: '1.10',
      sign: 'c2lnbmF0dXJl',
      card_no: CARD,
      acct_name: '张三',
      risk_item: riskItem,
    });
    const input = {
      no: 'ORD-1',
      raw,
      nested: [{ deep: { privateKey: '-----BEGIN PRIVATE KEY-----x', id_no: '110101199003070000', note: 'fine' } }],
      form: `no_order=ORD-2&verify_code=123456&cardNo=${CARD}`,
      broken: `{"sign":"abc","card_no":"${CARD}",`,
      Authorization_Token: 'tok',
    };
    const before = JSON.stringify(input);
    const out = maskSecrets(input) as Record<string, unknown>;
    expect(JSON.stringify(input)).toBe(before); // never mutates
    const text = JSON.stringify(out);
    for (const secret of [CARD, 'c2lnbmF0dXJl', '张三', '110101199003070000', 'BEGIN PRIVATE KEY', '123456', '"tok"'])
      expect(text).not.toContain(secret);
    const rawOut = JSON.parse(out.raw as string) as Record<string, unknown>;
    // risk_item is masked whole, as the logs redact it (see below)
    expect(rawOut).toMatchObject({ no_order: 'ORD-1', money_order: '1.10', sign: MASK, card_no: MASK, acct_name: MASK, risk_item: MASK });
    expect(maskSecrets({ info: riskItem })).toEqual({ info: JSON.stringify({ user_info_id_no: MASK, frms_ware_category: '2009' }) });
    expect(out.form).toBe(`no_order=ORD-2&verify_code=${encodeURIComponent(MASK)}&cardNo=${encodeURIComponent(MASK)}`);
    expect(out.broken).toBe(`{"sign":"${MASK}","card_no":"${MASK}",`);
    expect(out.no).toBe('ORD-1');
  });

  it('shows untouched text exactly as it came (a 1.10 stays 1.10)', () => {
    const raw = '{"no_order":"A","money_order":1.10,"ret_msg":"交易成功"}';
    expect(maskSecrets({ raw })).toEqual({ raw });
    expect(maskSecrets('plain words, no secrets')).toBe('plain words, no secrets');
  });

  it('masks the values of sensitive fields in a signed string', () => {
    expect(maskSignString(`acct_name=张 三&card_no=${CARD}&money_order=1.00&no_order=X`)).toBe(
      `acct_name=${MASK}&card_no=${MASK}&money_order=1.00&no_order=X`,
    );
  });
});

describe('the dashboard masks everything the logs redact', () => {
  /** The fields a real logger line shows as redacted when given every field of the shared list and a plain one. */
  function redactedByLogger(): string[] {
    let out = '';
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    });
    const logged: Record<string, string> = { no_order: 'ORD-9' };
    for (const [i, name] of SECRET_FIELDS.entries()) logged[name] = `value${i}`;
    createLogger({ level: 'info', destination }).info(logged, 'all of them');
    const line = JSON.parse(out) as Record<string, unknown>;
    expect(line.no_order).toBe('ORD-9');
    return Object.keys(logged).filter((k) => line[k] === CENSOR);
  }

  it('the logger redacts exactly the shared list', () => {
    expect(redactedByLogger().sort()).toEqual([...SECRET_FIELDS].sort());
  });

  it.each(redactedByLogger())('%s: masked as a field, inside a JSON body, and inside a form body', (name) => {
    const out = maskSecrets({ [name]: 'plain-value', raw: JSON.stringify({ no_order: 'A', [name]: 'plain-value' }) });
    expect(out).toEqual({ [name]: MASK, raw: JSON.stringify({ no_order: 'A', [name]: MASK }) });
    expect(maskSecrets(`no_order=A&${name}=plain-value`)).toBe(`no_order=A&${name}=${encodeURIComponent(MASK)}`);
    expect(maskSignString(`${name}=plain-value&no_order=A`)).toBe(`${name}=${MASK}&no_order=A`);
  });

  it("a queued callback's agreement, risk data and bound phone are masked (the logs always redacted them)", () => {
    const raw = JSON.stringify({
      no_order: 'ORD-2',
      no_agree: '2026AGREE',
      risk_item: '{"frms_ware_category":"2009"}',
      bind_mob: '13800000000',
    });
    const text = JSON.stringify(maskSecrets({ raw }));
    for (const secret of ['2026AGREE', 'frms_ware_category', '13800000000']) expect(text).not.toContain(secret);
    expect(text).toContain('ORD-2');
  });
});

describe('navigation helpers (pure)', () => {
  it('after login, only goes back to our own pages', () => {
    expect(safeNext('/admin/orders?state=abandoned')).toBe('/admin/orders?state=abandoned');
    for (const bad of ['https://evil.example/', '//evil.example/admin/', '/admin//evil', '/admin/login', '/\\evil', 42, undefined])
      expect(safeNext(bad)).toBe('/admin/orders');
  });

  it('merges history and timeline newest first, listing an operator action once', () => {
    const history = [
      { at: 1, kind: 'tracked', state: 'pending' },
      { at: 5, kind: 'change', from: 'pending', to: 'authorized' },
      { at: 7, kind: 'action', action: 'requery', actor: 'ann', reason: 'why' },
    ];
    const timeline = [
      { at: 8, kind: 'query', ret_code: 'PR07' },
      { at: 7, kind: 'action', action: 'requery', actor: 'ann', reason: 'why' },
      { at: 5, kind: 'query', ret_code: 'PR07' },
      { at: 3, kind: 'callback', verdict: 'rejected', reason: 'invalid' },
    ];
    expect(mergeTimeline(history, timeline).map((e) => `${e.at}:${e.kind}`)).toEqual([
      '8:query',
      '7:action',
      '5:change',
      '5:query',
      '3:callback',
      '1:tracked',
    ]);
  });
});

interface RouteDef {
  method: string;
  url: string;
}

const PUBLIC = new Set(['/admin/login']);

/** A concrete path for a route pattern: each parameter filled in, wildcards too. */
function pathFor(url: string, no: string, jobId: string): string {
  const values: Record<string, string> = {
    queueName: 'notify',
    jobId,
    no_order: encodeURIComponent(no),
    queueStatus: 'failed',
    schedulerId: 'none',
  };
  return url.replace(/:(\w+)/g, (_, name: string) => values[name] ?? 'x').replace(/\*$/, 'x.js');
}

describe('the admin routes against a running llrecon', () => {
  let stack: Stack;
  let probe: FastifyInstance;
  let base: string;
  const routes: RouteDef[] = [];
  const no = `AUTH${Date.now()}`;
  const raw = JSON.stringify({
    oid_partner: '201103171000000000',
    no_order: 'NOPE',
    sign: 'c2lnbmF0dXJl',
    card_no: CARD,
    acct_name: '李四',
  });
  const jobId = notifyJobId('async', raw);

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers, redirect: 'manual' });

  const login = (): Promise<string> => adminLogin(base, stack.adminToken);

  async function csrfOf(cookie: string): Promise<string> {
    const page = await (await get(`/admin/orders/${encodeURIComponent(no)}`, { cookie, accept: 'text/html' })).text();
    const m = /name="_csrf" value="([^"]+)"/.exec(page);
    expect(m).not.toBeNull();
    return (m as RegExpExecArray)[1] as string;
  }

  const requery = (headers: Record<string, string>, form: Record<string, string>) =>
    fetch(`${base}/admin/orders/${encodeURIComponent(no)}/requery`, {
      method: 'POST',
      headers,
      body: new URLSearchParams(form),
      redirect: 'manual',
    });

  const actions = async () => (await stack.engine.store.history(no)).filter((h) => h.kind === 'action').length;

  beforeAll(async () => {
    stack = await startStack({ http: true, env: { POLL_SCHEDULE: '200ms' } });
    base = stack.url as string;
    const dt = formatLianLianTime(Date.now());
    stack.simulator.addOrder({
      oid_partner: stack.oidPartner,
      no_order: no,
      dt_order: dt,
      money_order: '12.30',
      timeline: [{ code: 'PR07' }],
    });
    await stack.engine.track({ no_order: no, dt_order: dt, money_order: '12.30' }, { source: 'embed' });
    await stack.engine.acceptNotification(raw, 'async');
    // every route the admin plugin declares, bull-board's included, as the app registers it
    probe = Fastify();
    probe.addHook('onRoute', (r) => {
      for (const method of [r.method].flat()) routes.push({ method, url: r.url });
    });
    await probe.register(adminPlugin, { engine: stack.engine });
    await probe.ready();
  });

  afterAll(async () => {
    await probe?.close();
    await stack?.close();
  });

  it('enumerates every admin route, and the app serves each of them', () => {
    expect(routes.length).toBeGreaterThan(40);
    for (const want of [
      '/admin/orders',
      '/admin/orders/:no_order',
      '/admin/orders/:no_order/requery',
      '/admin/callbacks',
      '/admin/queues',
      '/admin/queues/api/queues',
      '/admin/logout',
    ])
      expect(routes.map((r) => r.url)).toContain(want);
    expect(routes.every((r) => r.url.startsWith('/admin'))).toBe(true);
    for (const r of routes) expect(stack.app?.hasRoute({ method: r.method as 'GET', url: r.url }), `${r.method} ${r.url}`).toBe(true);
  });

  it('refuses every route and action without the token (401), and with a wrong one (403)', async () => {
    const guarded = routes.filter((r) => !PUBLIC.has(r.url));
    for (const r of guarded) {
      const path = pathFor(r.url, no, jobId);
      const none = await fetch(`${base}${path}`, { method: r.method, headers: { accept: 'application/json' }, redirect: 'manual' });
      expect(none.status, `${r.method} ${path}`).toBe(401);
      if (r.method !== 'HEAD') expect(((await none.json()) as { error: { code: string } }).error.code).toBe('LLRECON_UNAUTHORIZED');
      // wrong tokens from an address of their own per route: the throttle counts per source address
      const from = fetchFrom(freshLoopback());
      for (const authorization of ['Bearer wrong-token', `Basic ${Buffer.from('admin:wrong').toString('base64')}`]) {
        const wrong = await from(`${base}${path}`, { method: r.method, headers: { authorization } });
        expect(wrong.status, `${r.method} ${path} (${authorization.split(' ')[0]})`).toBe(403);
      }
      const forged = await fetch(`${base}${path}`, {
        method: r.method,
        headers: { cookie: 'llrecon_admin=v1.AAAAAAAAAAAAAAAAAAAAAAAA.9999999999.forged' },
        redirect: 'manual',
      });
      expect(forged.status, `${r.method} ${path} (forged cookie)`).toBe(401);
    }
    // and nothing happened
    expect(await actions()).toBe(0);
    for (const q of stack.engine.queues) expect(await q.isPaused()).toBe(false);
  });

  it('sends browsers without a session to the login form, and back after it', async () => {
    const res = await get('/admin/orders?state=authorized', { accept: 'text/html' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/login?next=${encodeURIComponent('/admin/orders?state=authorized')}`);
    const form = await get('/admin/login', { accept: 'text/html' });
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('name="token"');
    const wrong = await fetch(`${base}/admin/login`, {
      method: 'POST',
      headers: { accept: 'text/html' },
      body: new URLSearchParams({ token: 'nope' }),
    });
    expect(wrong.status).toBe(403);
    expect(wrong.headers.getSetCookie()).toEqual([]);
    const ok = await fetch(`${base}/admin/login`, {
      method: 'POST',
      body: new URLSearchParams({ token: stack.adminToken, next: '/admin/orders?state=authorized' }),
      redirect: 'manual',
    });
    expect(ok.headers.get('location')).toBe('/admin/orders?state=authorized');
    const cookie = ok.headers.getSetCookie()[0] as string;
    expect(cookie).toMatch(/^llrecon_admin=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/Max-Age=28800(;|$)/i);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/admin(;|$)/);
    expect(cookie).not.toMatch(/Secure/i);
  });

  it('with the token, every page and dashboard read works (bearer, basic, or the session cookie)', async () => {
    const cookie = await login();
    const creds: Array<Record<string, string>> = [
      { authorization: `Bearer ${stack.adminToken}` },
      { authorization: `Basic ${Buffer.from(`ops:${stack.adminToken}`).toString('base64')}` },
      { cookie },
    ];
    for (const headers of creds) {
      for (const page of [
        '/admin/orders',
        `/admin/orders/${encodeURIComponent(no)}`,
        '/admin/callbacks',
        '/admin/queues',
        '/admin/logout',
        `/admin/orders?q=${no.slice(0, 6)}&older_than=1h&page=1`,
      ]) {
        const res = await get(page, { ...headers, accept: 'text/html' });
        expect(res.status, page).toBe(200);
        expect(res.headers.get('x-frame-options')).toBe('DENY');
      }
      for (const r of routes.filter((x) => x.method === 'GET' && x.url.startsWith('/admin/queues'))) {
        const res = await get(pathFor(r.url, no, jobId), headers);
        expect([401, 403]).not.toContain(res.status);
        expect(res.status, r.url).toBeLessThan(500);
      }
    }
    expect((await get('/admin/orders?state=bogus', { cookie })).status).toBe(400);
    expect((await get('/admin/orders/NOT-TRACKED', { cookie })).status).toBe(404);
    expect((await get('/admin/login', { cookie })).status).toBe(303);
  });

  it('refuses a cookie-authenticated POST without our Origin or without the form token (CSRF)', async () => {
    const cookie = await login();
    const csrf = await csrfOf(cookie);
    const origin = base;
    const form = { actor: 'ann', reason: 'checking', _csrf: csrf };
    const refusals: Array<[Record<string, string>, Record<string, string>]> = [
      [{ cookie }, form], // no Origin, no Referer
      [{ cookie, origin: 'http://evil.example' }, form],
      [{ cookie, origin: 'null' }, form],
      [{ cookie, referer: 'http://evil.example/page' }, form],
      [
        { cookie, origin },
        { actor: 'ann', reason: 'checking' },
      ], // no token
      [
        { cookie, origin },
        { ...form, _csrf: 'x'.repeat(43) },
      ],
      [{ cookie: await login(), origin }, form], // another session's token
    ];
    for (const [headers, body] of refusals) {
      const res = await requery(headers, body);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('LLRECON_CSRF');
    }
    expect(await actions()).toBe(0);

    const ok = await requery({ cookie, origin }, form);
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe(`/admin/orders/${encodeURIComponent(no)}?requeried=1`);
    const viaReferer = await requery({ cookie, referer: `${base}/admin/orders/${no}` }, form);
    expect(viaReferer.status).toBe(303);
    // a bearer token is never sent by a browser on its own: no origin or form token needed
    const bearer = await requery({ authorization: `Bearer ${stack.adminToken}` }, { actor: 'script', reason: 'nightly check' });
    expect(bearer.status).toBe(303);
    // basic credentials are remembered by browsers: checked like the cookie
    const basic = `Basic ${Buffer.from(`ops:${stack.adminToken}`).toString('base64')}`;
    expect((await requery({ authorization: basic, origin: 'http://evil.example' }, { actor: 'x', reason: 'y' })).status).toBe(403);
    // who asked is the signed-in user (ADMIN_TOKEN's `admin`), never the form's `actor`
    const history = await stack.engine.store.history(no);
    expect(history.filter((h) => h.kind === 'action').map((h) => `${String(h.actor)}: ${String(h.reason)}`)).toEqual([
      'admin: checking',
      'admin: checking',
      'admin: nightly check',
    ]);
  });

  it("checks bull-board's own write API by origin", async () => {
    const cookie = await login();
    const notify = stack.engine.ctx.queues.notify;
    const delayed = await notify.add('probe', { kind: 'async', raw: '{}', at: 0 } as never, {
      delay: 3_600_000,
      jobId: `promote-${Date.now()}`,
    });
    const promote = (headers: Record<string, string>) =>
      fetch(`${base}/admin/queues/api/queues/notify/${encodeURIComponent(delayed.id as string)}/promote`, { method: 'PUT', headers });
    for (const headers of [{ cookie }, { cookie, origin: 'http://evil.example' }] as Array<Record<string, string>>) {
      const res = await promote(headers);
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('LLRECON_CSRF');
    }
    expect(await delayed.getState()).toBe('delayed');
    const ok = await promote({ cookie, origin: base });
    expect(ok.status, await ok.text()).toBeLessThan(300);
    // promoted: it ran at once (the notify worker refuses its made-up data and may delay a retry: it did run)
    await waitFor(async () => {
      const job = await notify.getJob(delayed.id as string);
      return !job || job.processedOn !== undefined || (await job.getState()) !== 'delayed';
    }, 5000);
    await notify.remove(delayed.id as string).catch(() => undefined);
  });

  it('validates the re-query form: a reason required, at most 200 characters', async () => {
    const bearer = { authorization: `Bearer ${stack.adminToken}` };
    const before = await actions();
    for (const body of [{ reason: '' }, { actor: 'a', reason: '  ' }, { reason: 'r'.repeat(201) }] as Array<Record<string, string>>) {
      const res = await requery(bearer, body);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { field: string } }).error.field).toBe('reason');
    }
    const long = await requery({ ...bearer, accept: 'text/html' }, { reason: '<b>x</b>'.repeat(30) });
    expect(long.status).toBe(400);
    const longText = await long.text();
    expect(longText).toContain('&lt;b&gt;x&lt;/b&gt;'.repeat(30));
    expect(longText).not.toContain('<b>x</b>');
    expect(longText).toContain('At most 200 characters (240 given).');
    const page = await requery({ ...bearer, accept: 'text/html' }, { reason: '' });
    expect(page.status).toBe(400);
    const text = await page.text();
    expect(text).not.toContain('name="actor"');
    expect(text).toContain('Give a short reason.');
    expect(await actions()).toBe(before);
    const unknown = await fetch(`${base}/admin/orders/NOT-TRACKED/requery`, {
      method: 'POST',
      headers: bearer,
      body: new URLSearchParams({ actor: 'a', reason: 'r' }),
    });
    expect(unknown.status).toBe(404);
  });

  it('logs out: the cookie is cleared, and the session ends on the server (the old cookie no longer works)', async () => {
    const cookie = await login();
    const other = await login();
    const csrf = await csrfOf(cookie);
    const res = await fetch(`${base}/admin/logout`, {
      method: 'POST',
      headers: { cookie, origin: base },
      body: new URLSearchParams({ _csrf: csrf }),
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/login');
    expect(res.headers.getSetCookie()[0]).toMatch(/^llrecon_admin=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/i);
    // a copy of the cookie kept by an attacker is worth nothing now; another session of the same user lives on
    const replay = await get('/admin/orders', { cookie, accept: 'application/json' });
    expect(replay.status).toBe(401);
    expect((await get('/admin/orders', { cookie, accept: 'text/html' })).status).toBe(303);
    expect((await get('/admin/orders', { cookie: other, accept: 'text/html' })).status).toBe(200);
  });

  it('refuses a login posted from another site (login CSRF)', async () => {
    const res = await fetch(`${base}/admin/login`, {
      method: 'POST',
      headers: { origin: 'http://evil.example' },
      body: new URLSearchParams({ token: stack.adminToken }),
      redirect: 'manual',
    });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('marks the session cookie Secure when served over https (behind a trusted proxy)', async () => {
    const app = Fastify({ trustProxy: true });
    await app.register(adminPlugin, { engine: stack.engine });
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const addr = app.server.address();
      const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
      const res = await fetch(`${url}/admin/login`, {
        method: 'POST',
        headers: { 'x-forwarded-proto': 'https' },
        body: new URLSearchParams({ token: stack.adminToken }),
        redirect: 'manual',
      });
      expect(res.status).toBe(303);
      expect(res.headers.getSetCookie()[0]).toMatch(/;\s*Secure/i);
    } finally {
      await app.close();
    }
  });

  it('shows queued jobs in the dashboard with secrets and card data masked', async () => {
    const bearer = { authorization: `Bearer ${stack.adminToken}` };
    type BoardJob = { data: { raw: string }; name: string };
    const job = (await waitFor(async () => {
      const res = await get(`/admin/queues/api/queues/notify/${encodeURIComponent(jobId)}`, bearer);
      return res.status === 200 ? ((await res.json()) as { job: BoardJob }).job : null;
    })) as BoardJob;
    const text = JSON.stringify(job);
    expect(text).not.toContain(CARD);
    expect(text).not.toContain('c2lnbmF0dXJl');
    expect(text).not.toContain('李四');
    expect(JSON.parse(job.data.raw)).toMatchObject({ no_order: 'NOPE', sign: MASK, card_no: MASK, acct_name: MASK });
    const list = await (await get('/admin/queues/api/queues?activeQueue=notify&status=latest&page=1', bearer)).text();
    expect(list).toContain('NOPE');
    expect(list).not.toContain(CARD);
  });

  it("refuses bull-board's edit of job data (it would save the masked data), and the job keeps its own", async () => {
    const queued = await stack.engine.ctx.queues.notify.getJob(jobId);
    expect(queued).toBeDefined();
    const before = queued?.data.raw;
    const res = await fetch(`${base}/admin/queues/api/queues/notify/${encodeURIComponent(jobId)}/update-data`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json', origin: base },
      body: JSON.stringify({ jobData: { kind: 'async', raw: '{"sign":"••••"}', at: 0 } }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('LLRECON_DASHBOARD_ACTION_REFUSED');
    expect((await stack.engine.ctx.queues.notify.getJob(jobId))?.data.raw).toBe(before);
  });
});
