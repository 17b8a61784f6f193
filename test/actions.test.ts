// Capture and void over real HTTP against the simulator, with real Redis: sent at most once, settled by query,
// every rule of the contract (enabled, role, state, amount, payer, the second action, Idempotency-Key).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { actionKeys } from '../src/store/action-keys.js';
import { eventsOf } from './support/events.js';
import { registerSecrets } from './support/log-capture.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

const viewerToken = randomBytes(24).toString('base64url');
let stack: Stack;
let n = 0;

function usersFile(operatorToken: string): string {
  const sha = (t: string) => createHash('sha256').update(t).digest('hex');
  const file = join(mkdtempSync(join(tmpdir(), 'llrecon-users-')), 'users.yaml');
  writeFileSync(
    file,
    `- name: vera\n  role: viewer\n  token_sha256: ${sha(viewerToken)}\n- name: otto\n  role: operator\n  token_sha256: ${sha(operatorToken)}\n`,
  );
  return file;
}
const operatorToken = randomBytes(24).toString('base64url');

beforeAll(async () => {
  registerSecrets(viewerToken, operatorToken);
  stack = await startStack({
    http: true,
    env: { ACTIONS_ENABLED: 'true', POLL_SCHEDULE: '100ms', QUERY_TIMEOUT: '1s', ADMIN_USERS_FILE: usersFile(operatorToken) },
    actionRunner: { tickMs: 50 },
  });
});
afterAll(async () => {
  await stack?.close();
});

async function post(path: string, body: unknown, headers: Record<string, string> = {}, token = operatorToken) {
  const res = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string; field?: string } } };
}

/** An order LianLian has authorized and llrecon knows as authorized. */
async function authorized(opts: { money?: string; userId?: string | null } = {}): Promise<string> {
  const no = `ACT${Date.now()}${n++}`;
  const dt = formatLianLianTime(Date.now());
  const money = opts.money ?? '100.00';
  stack.simulator.addOrder({ oid_partner: stack.oidPartner, no_order: no, dt_order: dt, money_order: money, timeline: [{ code: 'PR07' }] });
  const userId = opts.userId === undefined ? 'payer-1' : opts.userId;
  await stack.engine.track(
    { no_order: no, dt_order: dt, money_order: money, ...(userId === null ? {} : { user_id: userId }) },
    { source: 'embed' },
  );
  await waitFor(async () => (await stack.engine.store.get(no))?.state === 'authorized');
  return no;
}

const stateOf = async (no: string) => (await stack.engine.store.get(no))?.state;
const actionOf = (id: string) => stack.engine.actions?.get(id);

describe('capture and void', () => {
  it('captures: one request to LianLian, the order ends captured via capture, who/when/why/answer in the history', async () => {
    const no = await authorized();
    const r = await post(`/orders/${no}/capture`, { reason: 'goods shipped', actor: 'mei' });
    expect(r.status).toBe(202);
    const id = r.body.action_id as string;
    await waitFor(async () => (await actionOf(id))?.status === 'done');
    expect(await stateOf(no)).toBe('captured');
    expect(stack.simulator.actions.count(no)).toBe(1);
    expect(stack.simulator.actions.capturedAmount(no)).toBe('100.00');
    const events = await eventsOf(stack, no);
    const after = events.filter((e) => ['capturing', 'captured'].includes(e.event.data.state as string));
    expect(after.map((e) => [e.event.data.state, e.event.data.via])).toEqual([
      ['capturing', 'capture'],
      ['captured', 'capture'],
    ]);
    const history = await stack.engine.store.history(no);
    const actions = history.filter((h) => h.kind === 'action') as Array<Record<string, unknown>>;
    expect(actions[0]).toMatchObject({
      action: 'capture',
      actor: 'otto (on behalf of mei)',
      reason: 'goods shipped',
      action_id: id,
      money_order: '100.00',
    });
    expect(actions[1]).toMatchObject({ action: 'capture.answer', actor: 'llrecon', ret_code: '0000' });
    expect(actions.at(-1)).toMatchObject({ action: 'capture.done', actor: 'llrecon' });
    expect(await stack.engine.ctx.redis.hget(stack.engine.ctx.ks.order(no), 'money_captured')).toBe('100.00');
    const view = await fetch(`${stack.url}/orders/${no}/actions/${id}`, { headers: { authorization: `Bearer ${viewerToken}` } });
    expect(view.status).toBe(200);
    expect(await view.json()).toMatchObject({ action_id: id, kind: 'capture', status: 'done', ret_code: '0000', answer_signed: true });
  });

  it('captures part of the hold: the amount sent, kept as money_captured', async () => {
    const no = await authorized({ money: '250.00' });
    const r = await post(`/orders/${no}/capture`, { reason: 'one item out of stock', money_order: '180.50' });
    expect(r.status).toBe(202);
    await waitFor(async () => (await stateOf(no)) === 'captured');
    expect(stack.simulator.actions.capturedAmount(no)).toBe('180.50');
    expect(await stack.engine.ctx.redis.hget(stack.engine.ctx.ks.order(no), 'money_captured')).toBe('180.50');
  });

  it('voids: the order ends voided via void', async () => {
    const no = await authorized();
    const r = await post(`/orders/${no}/void`, { reason: 'customer cancelled' });
    expect(r.status).toBe(202);
    await waitFor(async () => (await actionOf(r.body.action_id as string))?.status === 'done');
    expect(await stateOf(no)).toBe('voided');
    const voided = (await eventsOf(stack, no)).find((e) => e.event.data.state === 'voided');
    expect(voided?.event.data.via).toBe('void');
    expect(stack.simulator.actions.count(no)).toBe(1);
  });

  it('refuses what the contract does not allow, sending nothing', async () => {
    const no = await authorized({ money: '50.00' });
    const over = await post(`/orders/${no}/capture`, { reason: 'x', money_order: '50.01' });
    expect([over.status, over.body.error?.code, over.body.error?.field]).toEqual([400, 'LLRECON_INVALID_FIELD', 'money_order']);
    const badAmount = await post(`/orders/${no}/capture`, { reason: 'x', money_order: '5' });
    expect([badAmount.status, badAmount.body.error?.field]).toEqual([400, 'money_order']);
    const noReason = await post(`/orders/${no}/void`, {});
    expect([noReason.status, noReason.body.error?.field]).toEqual([400, 'reason']);
    const voidAmount = await post(`/orders/${no}/void`, { reason: 'x', money_order: '50.00' });
    expect([voidAmount.status, voidAmount.body.error?.field]).toEqual([400, 'money_order']);
    const viewer = await post(`/orders/${no}/capture`, { reason: 'x' }, {}, viewerToken);
    expect([viewer.status, viewer.body.error?.code]).toEqual([403, 'LLRECON_ROLE_FORBIDDEN']);
    const unknown = await post(`/orders/NOPE${Date.now()}/capture`, { reason: 'x' });
    expect(unknown.status).toBe(404);

    const noPayer = await authorized({ userId: null });
    const r = await post(`/orders/${noPayer}/capture`, { reason: 'x' });
    expect([r.status, r.body.error?.code]).toEqual([409, 'LLRECON_ACTION_NOT_ALLOWED']);

    // not authorized yet
    const early = `ACTE${Date.now()}`;
    const dt = formatLianLianTime(Date.now());
    stack.simulator.addOrder({
      oid_partner: stack.oidPartner,
      no_order: early,
      dt_order: dt,
      money_order: '9.00',
      timeline: [{ code: '2003' }],
    });
    await stack.engine.track({ no_order: early, dt_order: dt, money_order: '9.00', user_id: 'p' }, { source: 'embed' });
    await waitFor(async () => (await stateOf(early)) === 'created');
    const created = await post(`/orders/${early}/void`, { reason: 'x' });
    expect([created.status, created.body.error?.code]).toEqual([409, 'LLRECON_ACTION_NOT_ALLOWED']);

    // final
    const done = await authorized();
    const first = await post(`/orders/${done}/void`, { reason: 'x' });
    await waitFor(async () => (await actionOf(first.body.action_id as string))?.status === 'done');
    const again = await post(`/orders/${done}/capture`, { reason: 'x' });
    expect([again.status, again.body.error?.code]).toEqual([409, 'LLRECON_ACTION_NOT_ALLOWED']);
    for (const o of [no, noPayer, early]) expect(stack.simulator.actions.count(o)).toBe(0);
    expect(stack.simulator.actions.count(done)).toBe(1);
  });

  it('an answer lost after the capture took effect: never sent again, confirmed by query, captured via capture', async () => {
    for (const as of ['reset', 'http5xx', 'stall'] as const) {
      const no = await authorized();
      stack.simulator.injectActionFault({ kind: 'lost', as }, { no_order: no, times: 1 });
      const r = await post(`/orders/${no}/capture`, { reason: `lost answer (${as})` });
      const id = r.body.action_id as string;
      await waitFor(async () => (await actionOf(id))?.status === 'done', 15_000);
      const a = await actionOf(id);
      expect(a?.error, as).toBe(as === 'stall' ? 'LLRECON_TIMEOUT' : as === 'http5xx' ? 'LLRECON_HTTP_STATUS' : 'LLRECON_TRANSPORT');
      expect(await stateOf(no)).toBe('captured');
      expect(stack.simulator.actions.count(no), as).toBe(1);
      const captured = (await eventsOf(stack, no)).find((e) => e.event.data.state === 'captured');
      expect(captured?.event.data.via).toBe('capture');
    }
  });

  it('a lost answer that did not take leaves the order authorized and blocks a second action; a signed refusal, once confirmed, allows one', async () => {
    const no = await authorized();
    stack.simulator.injectActionFault({ kind: 'http5xx' }, { no_order: no, times: 1 });
    const first = await post(`/orders/${no}/capture`, { reason: 'first try' });
    await waitFor(async () => (await actionOf(first.body.action_id as string))?.status === 'lost');
    // confirming queries run and still say authorized: the outcome stays unknown (30 minutes), nothing is re-sent
    const polls = (await stack.engine.store.get(no))?.polls ?? 0;
    await waitFor(async () => ((await stack.engine.store.get(no))?.polls ?? 0) >= polls + 3);
    expect((await actionOf(first.body.action_id as string))?.status).toBe('lost');
    const second = await post(`/orders/${no}/capture`, { reason: 'second try' });
    expect([second.status, second.body.error?.code]).toEqual([409, 'LLRECON_ACTION_NOT_ALLOWED']);
    expect(stack.simulator.actions.count(no)).toBe(1);

    const other = await authorized();
    stack.simulator.injectActionFault({ kind: 'refuse', code: '9970' }, { no_order: other, times: 1 });
    const refused = await post(`/orders/${other}/void`, { reason: 'try' });
    await waitFor(async () => (await actionOf(refused.body.action_id as string))?.status === 'refused');
    expect(await stateOf(other)).toBe('authorized');
    const retry = await post(`/orders/${other}/void`, { reason: 'try again' });
    expect(retry.status).toBe(202);
    await waitFor(async () => (await stateOf(other)) === 'voided');
    expect(stack.simulator.actions.count(other)).toBe(2);
  });

  it('Idempotency-Key: the same request returns the same action, another body is 409', async () => {
    const no = await authorized();
    const key = { 'idempotency-key': `k-${no}` };
    const a = await post(`/orders/${no}/capture`, { reason: 'ship', money_order: '10.00' }, key);
    const b = await post(`/orders/${no}/capture`, { reason: 'ship', money_order: '10.00' }, key);
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.body.action_id).toBe(a.body.action_id);
    const c = await post(`/orders/${no}/capture`, { reason: 'ship', money_order: '20.00' }, key);
    expect([c.status, c.body.error?.code]).toEqual([409, 'LLRECON_IDEMPOTENCY_CONFLICT']);
    await waitFor(async () => (await stateOf(no)) === 'captured');
    // still the same action after it was done, for 24 h
    const d = await post(`/orders/${no}/capture`, { reason: 'ship', money_order: '10.00' }, key);
    expect(d.body.action_id).toBe(a.body.action_id);
    expect(stack.simulator.actions.count(no)).toBe(1);
    const ttl = await stack.engine.ctx.redis.pttl(actionKeys(stack.engine.ctx.ks).idempotency(no, `k-${no}`));
    expect(ttl).toBeGreaterThan(23 * 3_600_000);
  });
});

describe('with ACTIONS_ENABLED unset', () => {
  let off: Stack;
  beforeAll(async () => {
    off = await startStack({ http: true });
  });
  afterAll(async () => {
    await off?.close();
  });

  it('sends nothing, and refuses hold policies', async () => {
    const no = `OFF${Date.now()}`;
    const dt = formatLianLianTime(Date.now());
    off.simulator.addOrder({ oid_partner: off.oidPartner, no_order: no, dt_order: dt, money_order: '5.00', timeline: [{ code: 'PR07' }] });
    const auth = { 'content-type': 'application/json', authorization: `Bearer ${off.adminToken}` };
    const tracked = await fetch(`${off.url}/orders`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ no_order: no, dt_order: dt, money_order: '5.00', user_id: 'p' }),
    });
    expect(tracked.status).toBe(202);
    await waitFor(async () => (await off.engine.store.get(no))?.state === 'authorized');
    const res = await fetch(`${off.url}/orders/${no}/capture`, { method: 'POST', headers: auth, body: JSON.stringify({ reason: 'x' }) });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('LLRECON_ACTION_NOT_ALLOWED');
    const policy = await fetch(`${off.url}/orders`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ orders: [{ no_order: `${no}b`, dt_order: dt, user_id: 'p', on_hold_expiry: 'void' }] }),
    });
    expect(policy.status).toBe(400);
    expect(((await policy.json()) as { error: { field: string } }).error.field).toBe('orders[0].on_hold_expiry');
    const noPayer = await fetch(`${off.url}/orders`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ no_order: `${no}c`, dt_order: dt, on_hold_expiry: 'capture' }),
    });
    expect(((await noPayer.json()) as { error: { field: string } }).error.field).toBe('user_id');
    expect(off.simulator.actions.total()).toBe(0);
  });
});
