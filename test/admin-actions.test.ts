// The dashboard's capture and void: a form on the order page, a confirmation page repeating the amount and the
// order number, then one action (a double click makes no second one); the orders list's banner of holds ending.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { registerSecrets } from './support/log-capture.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

const viewer = randomBytes(24).toString('base64url');
const operator = randomBytes(24).toString('base64url');
let stack: Stack;

beforeAll(async () => {
  registerSecrets(viewer, operator);
  const sha = (t: string) => createHash('sha256').update(t).digest('hex');
  const file = join(mkdtempSync(join(tmpdir(), 'llrecon-users-')), 'users.yaml');
  writeFileSync(
    file,
    `- name: vera\n  role: viewer\n  token_sha256: ${sha(viewer)}\n- name: otto\n  role: operator\n  token_sha256: ${sha(operator)}\n`,
  );
  stack = await startStack({
    http: true,
    env: { ACTIONS_ENABLED: 'true', ADMIN_USERS_FILE: file, POLL_SCHEDULE: '100ms', HOLD_WARNING: '30d' },
    actionRunner: { tickMs: 50, holdSweepMs: 3_600_000 },
  });
});
afterAll(async () => {
  await stack?.close();
});

async function authorized(no: string): Promise<void> {
  const dt = formatLianLianTime(Date.now());
  stack.simulator.addOrder({
    oid_partner: stack.oidPartner,
    no_order: no,
    dt_order: dt,
    money_order: '75.00',
    timeline: [{ code: 'PR07' }],
  });
  await stack.engine.track({ no_order: no, dt_order: dt, money_order: '75.00', user_id: 'payer' }, { source: 'embed' });
  await waitFor(async () => (await stack.engine.store.get(no))?.state === 'authorized');
}

const page = (path: string, token = operator) =>
  fetch(`${stack.url}${path}`, { headers: { accept: 'text/html', authorization: `Bearer ${token}` } });
const form = (path: string, fields: Record<string, string>, token = operator) =>
  fetch(`${stack.url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { accept: 'text/html', authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
const hidden = (htmlText: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(htmlText)?.[1] ?? '';

it('capture: form, a confirmation repeating amount and order number, then one action (twice posted: one)', async () => {
  const no = `ADMCAP${Date.now()}`;
  await authorized(no);
  const orderPage = await (await page(`/admin/orders/${no}`)).text();
  expect(orderPage).toContain('Capture…');
  expect(orderPage).toContain('Void the hold…');

  const first = await form(`/admin/orders/${no}/capture`, { reason: 'shipped', money_order: '40.00' });
  expect(first.status).toBe(200);
  const confirm = await first.text();
  expect(confirm).toContain(`Yes, capture 40.00 of ${no}`);
  expect(stack.simulator.actions.count(no)).toBe(0);
  expect(await stack.engine.actions?.latest(no)).toBeNull();

  const fields = {
    reason: hidden(confirm, 'reason'),
    money_order: hidden(confirm, 'money_order'),
    confirmed: hidden(confirm, 'confirmed'),
    idempotency_key: hidden(confirm, 'idempotency_key'),
  };
  expect(fields.confirmed).toBe(`capture:${no}:40.00`);
  const [a, b] = [await form(`/admin/orders/${no}/capture`, fields), await form(`/admin/orders/${no}/capture`, fields)];
  expect(a.status).toBe(303);
  expect(b.headers.get('location')).toBe(a.headers.get('location'));
  await waitFor(async () => (await stack.engine.store.get(no))?.state === 'captured');
  expect(stack.simulator.actions.count(no)).toBe(1);
  expect(stack.simulator.actions.capturedAmount(no)).toBe('40.00');
  const latest = await stack.engine.actions?.latest(no);
  expect(latest).toMatchObject({ actor: 'otto', source: 'dashboard', money_order: '40.00' });
  const after = await (await page(`/admin/orders/${no}`)).text();
  expect(after).toContain('Capture and void need the order authorized');
});

it('a viewer sees no form and is refused; a confirmation for another amount is asked again, not sent', async () => {
  const no = `ADMVW${Date.now()}`;
  await authorized(no);
  const viewerPage = await (await page(`/admin/orders/${no}`, viewer)).text();
  expect(viewerPage).not.toContain('Capture…');
  expect((await form(`/admin/orders/${no}/void`, { reason: 'x' }, viewer)).status).toBe(403);
  const tampered = await form(`/admin/orders/${no}/capture`, {
    reason: 'x',
    money_order: '75.00',
    confirmed: `capture:${no}:10.00`,
    idempotency_key: randomBytes(16).toString('hex'),
  });
  expect(tampered.status).toBe(200);
  expect(await tampered.text()).toContain(`Yes, capture 75.00 of ${no}`);
  expect(stack.simulator.actions.count(no)).toBe(0);
});

it('the orders list shows a banner of holds that end soon', async () => {
  const no = `ADMHOLD${Date.now()}`;
  await authorized(no);
  await stack.engine.actions?.runner?.sweepHolds();
  const list = await (await page('/admin/orders')).text();
  expect(list).toMatch(/holds? ends? soon/);
  expect(list).toContain(no);
});
