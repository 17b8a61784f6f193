// Holds that never lapse unnoticed: preauth.hold_expiring once per order HOLD_WARNING before its deadline while
// authorized, and on_hold_expiry carried out once HOLD_ACTION_LEAD before it, by llrecon, at most once. The
// engine's clock is moved forward to reach the deadlines; LianLian's (the simulator's) is not needed for them.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { allEvents, eventsOf } from './support/events.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

let stack: Stack;
let shift = 0;

beforeAll(async () => {
  stack = await startStack({
    env: { ACTIONS_ENABLED: 'true', HOLD_WARNING: '30m', HOLD_ACTION_LEAD: '10m', POLL_SCHEDULE: '100ms' },
    now: () => Date.now() + shift,
    // the sweep runs when the test says (runner.sweepHolds), not on its own
    actionRunner: { tickMs: 50, holdSweepMs: 3_600_000 },
  });
});
afterAll(async () => {
  await stack?.close();
});

async function authorized(no: string, validMinutes: number, extra: Record<string, string> = {}): Promise<void> {
  const dt = formatLianLianTime(Date.now());
  stack.simulator.addOrder({
    oid_partner: stack.oidPartner,
    no_order: no,
    dt_order: dt,
    money_order: '80.00',
    timeline: [{ code: 'PR07' }],
  });
  await stack.engine.track({ no_order: no, dt_order: dt, money_order: '80.00', valid_order: validMinutes, ...extra }, { source: 'embed' });
  await waitFor(async () => (await stack.engine.store.get(no))?.state === 'authorized');
}

it('warns once HOLD_WARNING before the deadline, acts once HOLD_ACTION_LEAD before it, as llrecon', async () => {
  const t = Date.now();
  const warnOnly = `HOLDW${t}`;
  const toVoid = `HOLDV${t}`;
  const toCapture = `HOLDC${t}`;
  const far = `HOLDF${t}`;
  await authorized(warnOnly, 60);
  await authorized(toVoid, 60, { user_id: 'p1', on_hold_expiry: 'void' });
  await authorized(toCapture, 60, { user_id: 'p2', on_hold_expiry: 'capture' });
  await authorized(far, 10080, { user_id: 'p3', on_hold_expiry: 'void' });
  const runner = stack.engine.actions?.runner;
  if (!runner) throw new Error('no action runner');

  // 60 minutes left: nothing yet
  expect(await runner.sweepHolds()).toEqual({ warned: 0, acted: 0 });
  // 29 minutes left: warned (three orders), no action yet
  shift = 31 * 60_000;
  expect(await runner.sweepHolds()).toEqual({ warned: 3, acted: 0 });
  expect(await runner.sweepHolds()).toEqual({ warned: 0, acted: 0 });
  const warned = (await allEvents(stack)).filter((e) => e.type === 'preauth.hold_expiring');
  expect(warned.map((e) => e.event.subject).sort()).toEqual([toCapture, toVoid, warnOnly].sort());
  expect(warned[0]?.event.data).toMatchObject({ state: 'authorized', money_order: '80.00' });
  expect((await stack.engine.actions?.expiringHolds())?.map((h) => h.no_order).sort()).toEqual([toCapture, toVoid, warnOnly].sort());

  // 9 minutes left: the policies are carried out, once
  shift = 51 * 60_000;
  expect(await runner.sweepHolds()).toEqual({ warned: 0, acted: 2 });
  expect(await runner.sweepHolds()).toEqual({ warned: 0, acted: 0 });
  await waitFor(async () => (await stack.engine.store.get(toVoid))?.state === 'voided');
  await waitFor(async () => (await stack.engine.store.get(toCapture))?.state === 'captured');
  expect(await runner.sweepHolds()).toEqual({ warned: 0, acted: 0 });
  expect(stack.simulator.actions.count(toVoid)).toBe(1);
  expect(stack.simulator.actions.count(toCapture)).toBe(1);
  expect(stack.simulator.actions.count(warnOnly) + stack.simulator.actions.count(far)).toBe(0);
  expect((await eventsOf(stack, toVoid)).find((e) => e.event.data.state === 'voided')?.event.data.via).toBe('void');
  const history = await stack.engine.store.history(toVoid);
  expect(history.find((h) => h.kind === 'action' && h.action === 'void')).toMatchObject({ actor: 'llrecon', source: 'hold' });
  // off the banner once no longer authorized
  expect((await stack.engine.actions?.expiringHolds())?.map((h) => h.no_order)).toEqual([warnOnly]);
  const ids = (await allEvents(stack)).map((e) => e.event.id);
  expect(new Set(ids).size).toBe(ids.length);
}, 60_000);

it('sweeps at the same time never both act (the sweep lease, then the once-per-order claim)', async () => {
  const no = `HOLD2${Date.now()}`;
  await authorized(no, 5, { user_id: 'p', on_hold_expiry: 'void' });
  const runner = stack.engine.actions?.runner;
  if (!runner) throw new Error('no action runner');
  const results = await Promise.all([runner.sweepHolds(), runner.sweepHolds(), runner.sweepHolds()]);
  expect(results.reduce((n, r) => n + r.acted, 0)).toBe(1);
  expect(results.reduce((n, r) => n + r.warned, 0)).toBe(1);
  await waitFor(async () => (await stack.engine.store.get(no))?.state === 'voided');
  expect(stack.simulator.actions.count(no)).toBe(1);
}, 30_000);
