// Small things a user trips over (issue 15 point 7): the admin pages load in a real browser without a console
// error (there was a 404 for /favicon.ico on every page), and `llrecon <unknown command> --help` says the command
// is unknown and exits 2 instead of printing the root help with 0.
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faviconIco } from '../src/http/routes/favicon.js';
import { runCli } from './support/cli.js';
import { startStack, type Stack } from './support/stack.js';

let stack: Stack;
let browser: Browser | undefined;

beforeAll(async () => {
  stack = await startStack({ http: true });
});
afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('/favicon.ico', () => {
  it('is a 16×16 icon, public and cacheable', async () => {
    const res = await fetch(`${stack.url}/favicon.ico`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/x-icon');
    expect(res.headers.get('cache-control')).toContain('max-age');
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(faviconIco())).toBe(true);
    // ICO header: reserved 0, type 1 (icon), one image of 16×16 at 32 bits, its bytes right after the directory
    expect([body.readUInt16LE(0), body.readUInt16LE(2), body.readUInt16LE(4)]).toEqual([0, 1, 1]);
    expect([body[6], body[7], body.readUInt16LE(12)]).toEqual([16, 16, 32]);
    expect(body.readUInt32LE(18) + body.readUInt32LE(14)).toBe(body.length);
  });

  it('the login page and the job dashboard load in Chromium with no console error and no failed request', async () => {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/admin/orders')) problems.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(`${stack.url}/admin/login`);
    await page.fill('#token', stack.adminToken);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/admin\/orders$/);
    await page.goto(`${stack.url}/admin/queues`);
    await page.waitForLoadState('load');
    await page.waitForTimeout(500); // a favicon is asked for after the page's load event
    expect(problems).toEqual([]);
  });
});

describe('llrecon with an unknown command', () => {
  it('says so and exits 2, also with --help', async () => {
    for (const args of [
      ['bogus', '--help'],
      ['-h', 'bogus'],
    ]) {
      const r = await runCli(args, { LOG_LEVEL: 'silent' });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toContain("unknown command 'bogus'");
    }
  }, 90_000);

  it('a known command with --help still prints its help and exits 0', async () => {
    const r = await runCli(['events', '--help'], { LOG_LEVEL: 'silent' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: llrecon events');
  });
});
