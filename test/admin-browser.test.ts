// The operators' pages in a real browser (Debian's headless Chromium, driven by playwright-core) against a real
// llrecon on loopback: log in as a named operator (ADMIN_USERS_FILE), find an order, re-query it with a reason, see
// that in its history under the operator's name, see the sessions, open the job dashboard (under its CSP, with no
// request leaving this site), log out. Leaves a screenshot of the orders page in reports/orders-page.png.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLianLianTime } from '../src/lianlian/time.js';
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
