// Dashboard sessions live in Redis and can be ended: the store's lifetimes (idle and absolute) and owner check
// against a real Redis, then the whole path over HTTP — logout revokes the cookie, removing a user or rotating
// their token (ADMIN_USERS_FILE, re-read on change) ends their sessions, operators list and end sessions, viewers
// cannot, and what the sessions page shows.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { SESSION_ABSOLUTE_MS, SESSION_IDLE_MS, SessionStore, TOUCH_EVERY_MS, sessionId } from '../src/auth/sessions.js';
import { keyspace } from '../src/store/keyspace.js';
import { registerSecrets } from './support/log-capture.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

describe('the session store (real Redis)', () => {
  let redis: Redis;
  const ks = keyspace(`sess${randomBytes(3).toString('hex')}`);
  const owners = new Map([['ann', 'fp-ann']]);
  const ownerOk = (user: string, fp: string) => owners.get(user) === fp;

  beforeAll(() => {
    redis = new Redis(inject('redisUrl'));
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('lasts 30 minutes unused and 8 hours at most', () => {
    expect(SESSION_IDLE_MS).toBe(30 * 60_000);
    expect(SESSION_ABSOLUTE_MS).toBe(8 * 3600_000);
    expect(TOUCH_EVERY_MS).toBe(60_000);
  });

  it('keeps only the SHA-256 of the secret, with an idle expiry in Redis', async () => {
    const store = new SessionStore(redis, ks);
    const now = Date.now();
    const { secret, id } = await store.create('ann', 'fp-ann', { ip: '10.1.2.3', agent: 'Mozilla/5.0 \u0007\u4e2d' }, now);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(id).toBe(sessionId(secret));
    expect(await redis.exists(ks.session(secret))).toBe(0);
    const stored = await redis.hgetall(ks.session(id));
    expect(Object.values(stored).join(' ')).not.toContain(secret);
    expect(stored).toMatchObject({ user: 'ann', ip: '10.1.2.3', agent: 'Mozilla/5.0 ??' });
    const ttl = await redis.pttl(ks.session(id));
    expect(ttl).toBeGreaterThan(SESSION_IDLE_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(SESSION_IDLE_MS);
    expect(await store.resolve(secret, now + 1000, ownerOk)).toMatchObject({ id, user: 'ann', createdAt: now });
    for (const bad of [undefined, '', 'x', `${secret}x`, secret.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))])
      expect(await store.resolve(bad, now, ownerOk)).toBeNull();
  });

  it('ends after 30 minutes unused, however young; use within that keeps it, up to its absolute end', async () => {
    const store = new SessionStore(redis, ks);
    const t0 = Date.now();
    const idle = await store.create('ann', 'fp-ann', { ip: '10.0.0.1' }, t0);
    expect(await store.resolve(idle.secret, t0 + SESSION_IDLE_MS - 1, ownerOk)).not.toBeNull();
    const kept = await store.create('ann', 'fp-ann', { ip: '10.0.0.1' }, t0);
    // used every 20 minutes: alive past the idle time, until the absolute end
    let t = t0;
    while (t + 20 * 60_000 < t0 + SESSION_ABSOLUTE_MS) {
      t += 20 * 60_000;
      expect(await store.resolve(kept.secret, t, ownerOk), `at +${(t - t0) / 60_000} min`).not.toBeNull();
    }
    expect(await store.resolve(kept.secret, t0 + SESSION_ABSOLUTE_MS, ownerOk)).toBeNull();
    expect(await redis.exists(ks.session(kept.id))).toBe(0);
    const fresh = await store.create('ann', 'fp-ann', { ip: '10.0.0.1' }, t0);
    expect(await store.resolve(fresh.secret, t0 + SESSION_IDLE_MS, ownerOk)).toBeNull();
    expect(await redis.exists(ks.session(fresh.id))).toBe(0);
  });

  it('ends a session whose owner is gone or holds another token, and lists only live ones', async () => {
    const store = new SessionStore(redis, keyspace(`sess${randomBytes(3).toString('hex')}`));
    const now = Date.now();
    const a = await store.create('ann', 'fp-ann', { ip: '10.0.0.1' }, now);
    const b = await store.create('bob', 'fp-bob', { ip: '10.0.0.2' }, now + 1);
    const c = await store.create('ann', 'fp-old', { ip: '10.0.0.3' }, now + 2);
    const listed = await store.list(now + 10, ownerOk);
    expect(listed.map((s) => s.id)).toEqual([a.id]);
    expect(await store.resolve(b.secret, now + 10, ownerOk)).toBeNull();
    expect(await store.resolve(c.secret, now + 10, ownerOk)).toBeNull();
    expect(await store.end(a.id)).toBe(true);
    expect(await store.end(a.id)).toBe(false);
    expect(await store.end('not an id')).toBe(false);
    expect(await store.list(now + 10, ownerOk)).toEqual([]);
  });
});

describe('sessions over HTTP', () => {
  let stack: Stack;
  let base: string;
  let usersPath: string;
  const tokens = {
    ann: randomBytes(24).toString('base64url'),
    bob: randomBytes(24).toString('base64url'),
    vic: randomBytes(24).toString('base64url'),
  };
  const sha = (t: string) => createHash('sha256').update(t).digest('hex');
  const writeUsers = (users: Array<{ name: string; role: string; token: string }>) =>
    writeFileSync(usersPath, JSON.stringify(users.map((u) => ({ name: u.name, role: u.role, token_sha256: sha(u.token) }))));

  async function login(token: string, agent = 'test-agent/1.0'): Promise<string> {
    const res = await fetch(`${base}/admin/login`, {
      method: 'POST',
      headers: { 'user-agent': agent },
      body: new URLSearchParams({ token }),
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    return (res.headers.getSetCookie()[0] as string).split(';')[0] as string;
  }
  const page = (path: string, cookie: string, accept = 'application/json') =>
    fetch(`${base}${path}`, { headers: { cookie, accept }, redirect: 'manual' });
  const alive = async (cookie: string) => (await page('/admin/orders', cookie)).status === 200;

  beforeAll(async () => {
    registerSecrets(...Object.values(tokens));
    usersPath = join(mkdtempSync(join(tmpdir(), 'llrecon-users-')), 'users.json');
    writeUsers([
      { name: 'ann', role: 'operator', token: tokens.ann },
      { name: 'bob', role: 'operator', token: tokens.bob },
      { name: 'vic', role: 'viewer', token: tokens.vic },
    ]);
    stack = await startStack({ http: true, env: { ADMIN_USERS_FILE: usersPath } });
    base = stack.url as string;
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('lets an operator list sessions (JSON and page) and end another user\u2019s; a viewer may not', async () => {
    const ann = await login(tokens.ann, 'Firefox <script>');
    const vic = await login(tokens.vic);
    const list = await page('/admin/sessions', ann);
    expect(list.status).toBe(200);
    const { sessions } = (await list.json()) as { sessions: Array<Record<string, unknown>> };
    const mine = sessions.find((s) => s.current === true);
    expect(mine).toMatchObject({ user: 'ann', role: 'operator', ip: '127.0.0.1', user_agent: 'Firefox <script>' });
    expect(Date.parse(mine?.ends_at as string) - Date.parse(mine?.created_at as string)).toBe(SESSION_ABSOLUTE_MS);
    const vicSession = sessions.find((s) => s.user === 'vic');
    expect(vicSession).toMatchObject({ role: 'viewer', current: false });
    expect(JSON.stringify(sessions)).not.toContain(vic.split('=')[1]);
    const html = await (await page('/admin/sessions', ann, 'text/html')).text();
    expect(html).toContain('Firefox &lt;script&gt;');
    expect(html.replace(/\s+/g, ' ')).toContain('30 min unused and 8 h after its login');

    // a viewer can neither list nor end
    const refused = await page('/admin/sessions', vic);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('LLRECON_ROLE_FORBIDDEN');
    const viewerEnd = await fetch(`${base}/admin/sessions/${vicSession?.id as string}/end`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.vic}` },
    });
    expect(viewerEnd.status).toBe(403);
    expect(await alive(vic)).toBe(true);

    // the operator ends the viewer's session: it stops working at once
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] as string;
    const end = await fetch(`${base}/admin/sessions/${encodeURIComponent(vicSession?.id as string)}/end`, {
      method: 'POST',
      headers: { cookie: ann, origin: base, accept: 'text/html' },
      body: new URLSearchParams({ _csrf: csrf }),
      redirect: 'manual',
    });
    expect(end.status).toBe(303);
    expect(end.headers.get('location')).toBe('/admin/sessions?ended=1');
    expect(await alive(vic)).toBe(false);
    expect(await alive(ann)).toBe(true);
    const again = await fetch(`${base}/admin/sessions/${vicSession?.id as string}/end`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.ann}` },
    });
    expect(again.status).toBe(404);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('LLRECON_SESSION_NOT_FOUND');
  });

  it('ends a user\u2019s sessions when they are removed from ADMIN_USERS_FILE or their token changes, and no one else\u2019s', async () => {
    const ann = await login(tokens.ann);
    const bob = await login(tokens.bob);
    const vic = await login(tokens.vic);
    expect([await alive(ann), await alive(bob), await alive(vic)]).toEqual([true, true, true]);
    const bobNew = randomBytes(24).toString('base64url');
    registerSecrets(bobNew);
    // bob's token rotated, vic removed
    writeUsers([
      { name: 'ann', role: 'operator', token: tokens.ann },
      { name: 'bob', role: 'operator', token: bobNew },
    ]);
    await waitFor(async () => !(await alive(vic)) && !(await alive(bob)), 10_000, 200);
    expect(await alive(ann)).toBe(true);
    // the old token no longer signs in; the new one does; the removed user cannot
    for (const token of [tokens.bob, tokens.vic]) {
      const res = await fetch(`${base}/admin/login`, { method: 'POST', body: new URLSearchParams({ token }), redirect: 'manual' });
      expect(res.status).toBe(403);
    }
    expect(await alive(await login(bobNew))).toBe(true);
    const { sessions } = (await (await page('/admin/sessions', ann)).json()) as { sessions: Array<{ user: string }> };
    expect(sessions.map((s) => s.user).sort()).toEqual(['ann', 'ann', 'bob']);
  });
});
