// The operators' pages in a real browser (Debian's headless Chromium, driven by playwright-core) against a real
// llrecon on loopback: log in as a named operator (ADMIN_USERS_FILE), find an order, re-query it with a reason, see
// that in its history under the operator's name, see the sessions, open the job dashboard (under its CSP, with no
// request leaving this site), log out. Then the same pages in Simplified Chinese (a browser whose language is zh-CN),
// and the language switch both ways. Leaves screenshots of the pages in both languages under reports/ (CI installs
// a CJK font, so the Chinese ones show the characters). bull-board's own UI is not translated (out of scope).
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { englishIn, NOT_UI_SELECTOR } from './support/i18n-check.js';
import { registerSecrets } from './support/log-capture.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const REPORTS = new URL('../reports/', import.meta.url);

let stack: Stack;
let browser: Browser;
let page: Page;
const run = Date.now().toString(36).toUpperCase();
let seq = 0;
/** A named operator's token (ADMIN_USERS_FILE keeps only its SHA-256). */
const meiToken = randomBytes(24).toString('base64url');
/** Every URL the browser asked for: none may leave the llrecon under test. */
const requested: string[] = [];
const cspViolations: string[] = [];

/** Track orders whose LianLian side answers `codes` (the last one repeats). */
async function track(
  codes: string[][],
  money = (i: number) => `${(i * 137 + 25) % 5000}.${String((i * 7) % 100).padStart(2, '0')}`,
): Promise<string[]> {
  const dt = formatLianLianTime(Date.now());
  const orders = codes.map((timeline, i) => {
    const o = { no_order: `PO${run}${String(++seq).padStart(3, '0')}`, dt_order: dt, money_order: money(seq + i) };
    stack.simulator.addOrder({ oid_partner: stack.oidPartner, ...o, timeline: timeline.map((code) => ({ code, after: { queries: 1 } })) });
    return o;
  });
  const r = await stack.engine.track({ orders }, { source: 'embed', actor: 'browser test' });
  expect(r.accepted).toHaveLength(orders.length);
  return orders.map((o) => o.no_order);
}

async function stateOf(no: string): Promise<string | null> {
  return (await stack.engine.store.get(no))?.state ?? null;
}

beforeAll(async () => {
  mkdirSync(REPORTS, { recursive: true });
  // a short tracking horizon, so that some orders are abandoned and need a person, as they would in real life
  registerSecrets(meiToken);
  const users = join(mkdtempSync(join(tmpdir(), 'llrecon-users-')), 'users.json');
  writeFileSync(
    users,
    JSON.stringify([{ name: 'mei.lin', role: 'operator', token_sha256: createHash('sha256').update(meiToken).digest('hex') }]),
  );
  stack = await startStack({ http: true, env: { POLL_SCHEDULE: '150ms', TRACKING_HORIZON: '4s', ADMIN_USERS_FILE: users } });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.on('request', (r) => requested.push(r.url()));
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(`${page.url()}: ${m.text().slice(0, 80)}`);
  });
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('the orders pages in a browser', () => {
  it('logs in, finds an order, re-queries it with a name and a reason, and shows that in its history', async () => {
    // orders that end, and two that LianLian never settles (abandoned at the horizon)
    const ended = await track([
      ['2003', 'PR09', 'PR07', 'PR12', 'PR11'],
      ['PR07', 'PR11'],
      ['PR07', 'PR15', 'PR14'],
      ['PR10'],
      ['2006'],
      ['PR07'],
      ['PR09'],
    ]);
    await waitFor(
      async () => (await stateOf(ended[5] as string)) === 'abandoned' && (await stateOf(ended[6] as string)) === 'abandoned',
      15_000,
      100,
    );
    await stack.engine.acceptNotification('{"no_order":"FORGED","sign":"bm90IGEgc2lnbmF0dXJl"}', 'async');

    await page.goto(`${stack.url}/admin/orders`);
    await expect.poll(() => page.url()).toContain('/admin/login');
    await page.fill('#token', 'not the token');
    await page.click('button[type=submit]');
    expect(await page.textContent('[role=alert]')).toContain('not valid');
    await page.fill('#token', meiToken);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/admin\/orders$/);

    // orders still in flight (tracked just now: far from their horizon)
    const live = await track([['PR07'], ['PR09'], ['2003'], ['PR07', 'PR12'], ['PR07'], ['PR08'], ['PR07'], ['PR09']]);
    await waitFor(async () => (await Promise.all(live.map(stateOf))).every((s) => s !== 'pending'), 5000, 50);
    await page.goto(`${stack.url}/admin/orders`);
    expect(await page.textContent('.callout.warn')).toContain('2 orders need a person');
    expect(await page.locator('a.chip', { hasText: 'abandoned' }).textContent()).toContain('2');
    await page.screenshot({ path: new URL('orders-page.png', REPORTS).pathname, fullPage: true });

    const target = live[0] as string;
    await page.fill('#q', target);
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(/q=/);
    const links = page.locator('table tbody a.mono');
    expect(await links.allTextContents()).toEqual([target]);
    await links.first().click();
    await page.waitForURL(new RegExp(`/admin/orders/${target}$`));
    expect(await page.textContent('h1')).toContain(target);

    expect(await page.textContent('header .who')).toContain('mei.lin');
    expect(await page.locator('#actor').count()).toBe(0); // who asks is the signed-in user
    await page.fill('#reason', 'customer says it was captured <b>today</b>');
    await page.click('text=Re-query now');
    await page.waitForURL(/requeried=1$/);
    expect(await page.textContent('[role=status]')).toContain('Re-query queued');
    const row = page.locator('table.timeline tbody tr', { hasText: 'mei.lin' });
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain('customer says it was captured <b>today</b>');
    expect(await row.locator('b').count()).toBe(0); // shown as text, never as markup
    const history = await stack.engine.store.history(target);
    expect(
      history.some((h) => h.kind === 'action' && h.actor === 'mei.lin' && h.reason === 'customer says it was captured <b>today</b>'),
    ).toBe(true);
    await page.screenshot({ path: new URL('order-page.png', REPORTS).pathname, fullPage: true });

    // the confirming query it asked for shows up too
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.locator('table.timeline tbody tr', { hasText: 'Query →' }).count();
        },
        { timeout: 10_000 },
      )
      .toBeGreaterThan(0);
  });

  it('lists callbacks that changed nothing', async () => {
    await page.click('header nav >> text=Callbacks');
    await page.waitForURL(/\/admin\/callbacks$/);
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.locator('tr', { hasText: 'FORGED' }).count();
        },
        { timeout: 10_000 },
      )
      .toBe(1);
    expect(await page.content()).not.toContain('bm90IGEgc2lnbmF0dXJl');
  });

  it('shows the sessions to an operator, this one marked', async () => {
    await page.click('header nav >> text=Sessions');
    await page.waitForURL(/\/admin\/sessions$/);
    const mine = page.locator('table tbody tr', { hasText: 'mei.lin' });
    expect(await mine.count()).toBe(1);
    expect(await mine.textContent()).toContain('you');
  });

  it('opens the job dashboard under its CSP, fetching nothing from another site', async () => {
    const before = requested.length;
    await page.click('header nav >> text=Jobs');
    await page.waitForURL(/\/admin\/queues/);
    await expect.poll(() => page.getByText('llrecon jobs').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    for (const name of ['poll', 'confirm', 'notify'])
      await expect.poll(() => page.getByRole('link', { name, exact: true }).count(), { timeout: 15_000 }).toBeGreaterThan(0);
    const board = requested.slice(before);
    expect(board.some((u) => u.includes('/admin/queues/static/'))).toBe(true);
    expect(board.filter((u) => !u.startsWith(stack.url as string) && !u.startsWith('data:'))).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it('logs out', async () => {
    await page.goto(`${stack.url}/admin/orders`);
    await page.click('header button:has-text("Log out")');
    await page.waitForURL(/\/admin\/login$/);
    await page.goto(`${stack.url}/admin/orders`);
    await expect.poll(() => page.url()).toContain('/admin/login');
  });
});

/** The page's visible text without code, data, LianLian's ret_msg and the language switch (as the browser lays it out). */
async function uiText(p: Page): Promise<string> {
  // a page-side expression (this project's TypeScript has no DOM types)
  return p.evaluate<string>(
    `(() => { const b = document.body.cloneNode(true); for (const el of b.querySelectorAll(${JSON.stringify(NOT_UI_SELECTOR)})) el.remove(); return b.innerText; })()`,
  );
}

describe('the pages in Simplified Chinese', () => {
  let zh: BrowserContext;
  let zp: Page;
  const shot = (name: string) => zp.screenshot({ path: new URL(name, REPORTS).pathname, fullPage: true });

  beforeAll(async () => {
    // a browser set to Chinese: navigator.language and Accept-Language are zh-CN
    zh = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1366, height: 900 } });
    zp = await zh.newPage();
    zp.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(`${zp.url()}: ${m.text().slice(0, 80)}`);
    });
  });
  afterAll(async () => {
    await zh?.close();
  });

  it('logs in and shows the orders, an order, the callbacks and the sessions in Chinese, times in UTC+8', async () => {
    await zp.goto(`${stack.url}/admin/orders`);
    await zp.waitForURL(/\/admin\/login/);
    expect(await zp.title()).toBe('登录 · llrecon');
    expect(await zp.textContent('h1')).toBe('登录');
    expect(await zp.getAttribute('html', 'lang')).toBe('zh-CN');
    await shot('login-page-zh-CN.png');
    await zp.fill('#token', 'not the token');
    await zp.click('button[type=submit]');
    expect(await zp.textContent('[role=alert]')).toContain('令牌无效');
    await zp.fill('#token', meiToken);
    await zp.click('button[type=submit]');
    await zp.waitForURL(/\/admin\/orders$/);

    expect(await zp.title()).toBe('订单 · llrecon');
    expect(await zp.textContent('h1')).toBe('订单');
    expect(await zp.textContent('header nav')).toMatch(/订单\s*回调\s*结算\s*任务\s*会话/);
    // by now the horizon (4 s) has abandoned the earlier test's live orders too
    expect(await zp.textContent('.callout.warn')).toMatch(/\d+ 笔订单需要人工处理/);
    expect(await zp.locator('a.chip', { hasText: '已放弃' }).textContent()).toMatch(/已放弃\s*\d+/);
    expect(await zp.textContent('table thead')).toContain('下单时间');
    expect(englishIn(await uiText(zp))).toEqual([]);
    await shot('orders-page-zh-CN.png');

    await zp.locator('a.chip', { hasText: '已放弃' }).click();
    await zp.waitForURL(/state=abandoned/);
    await zp.locator('table tbody a.mono').first().click();
    await zp.waitForURL(/\/admin\/orders\/PO/);
    expect(await zp.textContent('h1')).toContain('已放弃');
    expect(await zp.textContent('.card h2')).toBe('时间线');
    // the times are LianLian's UTC+8 in both languages; LianLian's ret_msg is shown as it came (Chinese)
    const time = zp.locator('table.timeline time').first();
    const iso = (await time.getAttribute('datetime')) as string;
    const shown = (await time.textContent()) as string;
    expect(new Date(`${shown.replace(' ', 'T')}+08:00`).getTime()).toBe(Math.floor(new Date(iso).getTime() / 1000) * 1000);
    expect(await zp.locator('table.timeline .ret-msg', { hasText: '预授权' }).count()).toBeGreaterThan(0);
    expect(englishIn(await uiText(zp))).toEqual([]);
    await shot('order-page-zh-CN.png');

    await zp.click('header nav >> text=回调');
    await zp.waitForURL(/\/admin\/callbacks$/);
    expect(await zp.textContent('h1')).toBe('回调');
    expect(await zp.locator('tr', { hasText: 'FORGED' }).textContent()).toContain('异步通知');
    expect(englishIn(await uiText(zp))).toEqual([]);
    await shot('callbacks-page-zh-CN.png');

    await zp.click('header nav >> text=会话');
    await zp.waitForURL(/\/admin\/sessions$/);
    expect(await zp.textContent('h1')).toBe('会话');
    expect(await zp.locator('table tbody tr', { hasText: 'mei.lin' }).first().textContent()).toContain('操作员');
    expect(englishIn(await uiText(zp))).toEqual([]);
    await shot('sessions-page-zh-CN.png');
    expect(cspViolations).toEqual([]);
  });

  it('switches to English and back with the link in the top bar, and the choice sticks', async () => {
    await zp.goto(`${stack.url}/admin/orders?state=abandoned`);
    await zp.click('header .lang a[hreflang=en]');
    await zp.waitForURL(/lang=en/);
    expect(zp.url()).toContain('state=abandoned');
    expect(await zp.textContent('h1')).toBe('Orders');
    expect(await zp.getAttribute('html', 'lang')).toBe('en');
    // the cookie keeps English although the browser asks for Chinese
    await zp.goto(`${stack.url}/admin/callbacks`);
    expect(await zp.textContent('h1')).toBe('Callbacks');
    await zp.click('header .lang a[hreflang=zh-CN]');
    await zp.waitForURL(/lang=zh-CN/);
    expect(await zp.textContent('h1')).toBe('回调');
    await zp.goto(`${stack.url}/admin/orders`);
    expect(await zp.textContent('h1')).toBe('订单');
    // log out (a form with the CSRF token) in Chinese
    await zp.click('header button:has-text("退出登录")');
    await zp.waitForURL(/\/admin\/login$/);
    expect(await zp.textContent('h1')).toBe('登录');
    expect(cspViolations).toEqual([]);
  });
});
