// The dashboard in English and Simplified Chinese: the catalogues have the same keys and every key is used; the
// language comes from ?lang= (remembered in a cookie), the cookie, or Accept-Language; and every page, walked in
// both languages against a real llrecon, is in its language: on a Chinese page no English UI word is left (proper
// names and codes aside), LianLian's ret_msg and times in UTC+8 stay as they are.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../src/http/admin/i18n/en.js';
import { fromAcceptLanguage, parseLang, type Lang } from '../src/http/admin/i18n/index.js';
import { zhCN } from '../src/http/admin/i18n/zh-CN.js';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { settlementFiles } from '../src/sandbox/settlement-files.js';
import { adminLogin } from './support/admin-login.js';
import { englishIn, englishOnlyWords, visibleUiText } from './support/i18n-check.js';
import { registerSecrets } from './support/log-capture.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

/** The nested key paths of a catalogue (functions and Html values are leaves). */
function keyPaths(o: object, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) =>
    v && typeof v === 'object' && !('value' in v) ? keyPaths(v as object, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? (f === 'i18n' ? [] : sourcesUnder(p)) : p.endsWith('.ts') ? [readFileSync(p, 'utf8')] : [];
  });
}

describe('the catalogues', () => {
  it('have the same keys in both languages, and the pages use every one', () => {
    expect(keyPaths(zhCN).sort()).toEqual(keyPaths(en).sort());
    const code = sourcesUnder(new URL('../src/http/admin/', import.meta.url).pathname).join('\n');
    const unused = Object.keys(en).filter((k) => !new RegExp(`\\.${k}\\b`).test(code));
    expect(unused).toEqual([]);
  });

  it('leave no English word in the Chinese texts but proper names and codes', () => {
    const banned = englishOnlyWords();
    expect(banned.size).toBeGreaterThan(200);
    // the check would find a forgotten English text (e.g. one copied into zh-CN.ts untranslated)
    expect(englishIn('订单 Timeline 已授权', banned)).toEqual(['timeline']);
    expect(englishIn('llrecon · UTC+8 · 连连 ADMIN_TOKEN', banned)).toEqual([]);
  });

  it('picks a language from Accept-Language, ?lang= and the usual spellings', () => {
    expect(fromAcceptLanguage(undefined)).toBe('en');
    expect(fromAcceptLanguage('zh-CN,zh;q=0.9,en;q=0.8')).toBe('zh-CN');
    expect(fromAcceptLanguage('en-US,en;q=0.9,zh-CN;q=0.8')).toBe('en');
    expect(fromAcceptLanguage('fr-FR, zh-Hans;q=0.5, en;q=0.4')).toBe('zh-CN');
    expect(fromAcceptLanguage('zh-TW')).toBe('en'); // Traditional Chinese is not offered
    expect(fromAcceptLanguage('de, *;q=0.1')).toBe('en');
    expect(fromAcceptLanguage('zh;q=0, en;q=0.2')).toBe('en');
    expect(['zh', 'zh-cn', 'ZH-Hans-CN', 'zh-SG'].map(parseLang)).toEqual(['zh-CN', 'zh-CN', 'zh-CN', 'zh-CN']);
    expect(['en-GB', 'ja', '', 42].map(parseLang)).toEqual(['en', null, null, null]);
  });
});

let stack: Stack;
const operator = randomBytes(24).toString('base64url');
const run = Date.now().toString(36).toUpperCase();
let authorizedNo = '';
let abandonedNo = '';
let sessionCookie = '';
const DAY = '20260305';

beforeAll(async () => {
  registerSecrets(operator);
  const users = join(mkdtempSync(join(tmpdir(), 'llrecon-users-')), 'users.json');
  writeFileSync(
    users,
    JSON.stringify([{ name: 'wang.fang', role: 'operator', token_sha256: createHash('sha256').update(operator).digest('hex') }]),
  );
  stack = await startStack({
    http: true,
    env: {
      POLL_SCHEDULE: '150ms',
      TRACKING_HORIZON: '3s',
      ACTIONS_ENABLED: 'true',
      HOLD_WARNING: '30d',
      ADMIN_USERS_FILE: users,
      SETTLEMENT_DIR: mkdtempSync(join(tmpdir(), 'llrecon-settle-')),
    },
    actionRunner: { tickMs: 50, holdSweepMs: 3_600_000 },
  });
  const dt = formatLianLianTime(Date.now());
  const track = async (no: string, code: string) => {
    stack.simulator.addOrder({ oid_partner: stack.oidPartner, no_order: no, dt_order: dt, money_order: '66.00', timeline: [{ code }] });
    await stack.engine.track({ no_order: no, dt_order: dt, money_order: '66.00' }, { source: 'embed', actor: '测试' });
  };
  abandonedNo = `ZHA${run}`;
  await track(abandonedNo, 'PR09');
  await waitFor(async () => (await stack.engine.store.get(abandonedNo))?.state === 'abandoned', 15_000, 100);
  await stack.engine.acceptNotification('{"no_order":"FORGED","sign":"bm90IGEgc2lnbmF0dXJl"}', 'async');
  const file = settlementFiles(
    [
      {
        oid_partner: stack.oidPartner,
        no_order: abandonedNo,
        dt_order: dt,
        oid_paybill: '2026123',
        money_order: '66.00',
        settle_date: DAY,
      },
    ],
    { plant: { unknown: 1 } },
  ).daily[0]!;
  const up = await fetch(`${stack.url}/settlements/files`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.adminToken}`, 'x-filename': file.name, 'content-type': 'application/octet-stream' },
    body: file.bytes,
  });
  expect(up.status).toBe(200);
  sessionCookie = await adminLogin(stack.url as string, operator);
  // last: an authorized order, walked before its horizon abandons it
  authorizedNo = `ZHC${run}`;
  await track(authorizedNo, 'PR07');
  await waitFor(async () => (await stack.engine.store.get(authorizedNo))?.state === 'authorized', 5000, 25);
});

afterAll(async () => {
  await stack?.close();
});

interface Visit {
  path: string;
  method?: 'GET' | 'POST';
  form?: Record<string, string>;
  auth?: boolean;
  status: number;
}

async function visit(v: Visit, lang: Lang): Promise<{ status: number; html: string }> {
  const headers: Record<string, string> = { accept: 'text/html', 'accept-language': lang === 'en' ? 'en-US,en;q=0.9' : 'zh-CN,zh;q=0.9' };
  if (v.auth !== false) headers.authorization = `Bearer ${operator}`;
  if (v.form) headers['content-type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(`${stack.url}${v.path}`, {
    method: v.method ?? 'GET',
    headers,
    redirect: 'manual',
    ...(v.form ? { body: new URLSearchParams(v.form).toString() } : {}),
  });
  return { status: res.status, html: await res.text() };
}

describe('every page, in both languages', () => {
  it('is in the language asked for, with no English UI word left on the Chinese pages', async () => {
    const order = (no: string) => `/admin/orders/${no}`;
    const pages: Visit[] = [
      { path: `${order(authorizedNo)}`, status: 200 },
      { path: `${order(authorizedNo)}/capture`, method: 'POST', form: { money_order: '66.00', reason: '客户确认' }, status: 200 },
      { path: `${order(authorizedNo)}/void`, method: 'POST', form: { reason: '客户取消' }, status: 200 },
      { path: '/admin/login', auth: false, status: 200 },
      { path: '/admin/login', method: 'POST', form: { token: 'wrong' }, auth: false, status: 403 },
      { path: '/admin/logout', status: 200 },
      { path: '/admin/orders', status: 200 },
      { path: '/admin/orders?state=abandoned', status: 200 },
      { path: '/admin/orders?q=NOTHING', status: 200 },
      { path: '/admin/orders?state=bogus', status: 400 },
      { path: order(abandonedNo), status: 200 },
      { path: `${order(abandonedNo)}?requeried=1`, status: 200 },
      { path: `${order(abandonedNo)}/requery`, method: 'POST', form: { reason: '' }, status: 400 },
      { path: order('NOSUCHORDER'), status: 404 },
      { path: '/admin/callbacks', status: 200 },
      { path: '/admin/sessions', status: 200 },
      { path: '/admin/sessions?ended=1', status: 200 },
      { path: '/admin/settlements', status: 200 },
      { path: `/admin/settlements?date=${DAY}`, status: 200 },
    ];
    const banned = englishOnlyWords();
    const found: Record<string, string[]> = {};
    for (const p of pages) {
      const [enPage, zhPage] = [await visit(p, 'en'), await visit(p, 'zh-CN')];
      const name = `${p.method ?? 'GET'} ${p.path}`;
      expect([enPage.status, zhPage.status], name).toEqual([p.status, p.status]);
      expect(enPage.html, name).toContain('<html lang="en">');
      expect(zhPage.html, name).toContain('<html lang="zh-CN">');
      expect(englishIn(visibleUiText(enPage.html), banned).length, `${name}: English page`).toBeGreaterThan(0);
      const left = englishIn(visibleUiText(zhPage.html), banned);
      if (left.length > 0) found[name] = left;
      // the language switch names both languages and links to this page in the other one
      expect(zhPage.html, name).toContain('hreflang="en"');
      expect(enPage.html, name).toContain('hreflang="zh-CN"');
    }
    expect(found).toEqual({});
  }, 60_000);

  it('shows LianLian’s ret_msg as it came and times in UTC+8 in both languages', async () => {
    const stored = await stack.engine.store.get(authorizedNo);
    expect(stored?.ret_msg).toBe('预授权成功');
    for (const lang of ['en', 'zh-CN'] as const) {
      const { html } = await visit({ path: `/admin/orders/${authorizedNo}`, status: 200 }, lang);
      expect(html).toContain('预授权成功');
      expect(html).toContain('UTC+8');
      const shown = /<time datetime="([^"]+)"[^>]*>(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)<\/time>/.exec(html);
      expect(shown).not.toBeNull();
      const utc = new Date(shown?.[1] as string).getTime();
      expect(new Date(`${(shown?.[2] as string).replace(' ', 'T')}+08:00`).getTime()).toBe(Math.floor(utc / 1000) * 1000);
    }
    const zh = (await visit({ path: '/admin/orders', status: 200 }, 'zh-CN')).html;
    expect(zh).toContain('<h1>订单</h1>');
    expect(zh).toContain('已授权');
  });

  it('switches with ?lang=, remembered by a cookie over Accept-Language, before and after login', async () => {
    const get = (path: string, headers: Record<string, string>) =>
      fetch(`${stack.url}${path}`, { headers: { accept: 'text/html', 'accept-language': 'en', ...headers }, redirect: 'manual' });
    const login = await get('/admin/login?lang=zh-CN', {});
    expect(await login.text()).toContain('<h1>登录</h1>');
    const set = login.headers.getSetCookie().find((c) => c.startsWith('llrecon_lang='));
    expect(set).toMatch(/^llrecon_lang=zh-CN;/);
    expect(set).toMatch(/Path=\/admin/);
    expect(set).toMatch(/HttpOnly/i);
    const cookie = `${sessionCookie}; llrecon_lang=zh-CN`;
    const orders = await (await get('/admin/orders', { cookie })).text();
    expect(orders).toContain('<html lang="zh-CN">');
    // the switch back keeps the page's own query
    expect(orders).toContain('href="/admin/orders?lang=en"');
    const filtered = await (await get('/admin/orders?state=abandoned&lang=en', { cookie })).text();
    expect(filtered).toContain('<html lang="en">');
    expect(filtered).toContain('href="/admin/orders?state=abandoned&amp;lang=zh-CN"');
    // an unknown ?lang= is ignored: the cookie decides
    expect(await (await get('/admin/orders?lang=xx', { cookie })).text()).toContain('<html lang="zh-CN">');
    // the JSON API is not affected
    const api = await fetch(`${stack.url}/admin/orders/NOSUCHORDER`, { headers: { authorization: `Bearer ${operator}`, cookie } });
    expect((await api.json()) as unknown).toMatchObject({ error: { code: 'LLRECON_ORDER_NOT_FOUND' } });
  });
});
