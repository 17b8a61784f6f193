// The engine against the real simulator and real Redis: every path of the state table, with the exact
// sequence of events per order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { pollOnce } from '../src/poll/query-order.js';
import { eventsOf } from './support/events.js';
import { startStack, waitFor, type Stack } from './support/stack.js';

type Step = { code: string; after?: { queries?: number; ms?: number } };
const q = (code: string, queries = 1): Step => ({ code, after: { queries } });

let stack: Stack;
let seq = 0;
const dt = formatLianLianTime(Date.now());

function newOrder(): string {
  return `PATH${Date.now()}${seq++}`;
}

async function trackScripted(steps: Step[], opts: { simulator?: boolean } = {}): Promise<string> {
  const no = newOrder();
  if (opts.simulator !== false)
    stack.simulator.addOrder({ oid_partner: stack.oidPartner, no_order: no, dt_order: dt, money_order: '100.00', timeline: steps });
  const r = await stack.engine.track({ no_order: no, dt_order: dt, money_order: '100.00' }, { source: 'embed' });
  expect(r.accepted).toEqual([no]);
  return no;
}

async function finalState(no: string): Promise<string> {
  return waitFor(async () => {
    const o = await stack.engine.store.get(no);
    return o?.final ? o.state : null;
  }, 20_000);
}

async function transitions(no: string): Promise<string[]> {
  return (await eventsOf(stack, no)).map((e) => `${e.event.data.previous_state}>${e.event.data.state}:${e.type}`);
}

beforeAll(async () => {
  stack = await startStack({ env: { POLL_SCHEDULE: '30ms', QUERY_TIMEOUT: '300ms', QUERY_RATE_PER_SEC: '500' } });
});
afterAll(async () => stack?.close());

describe('an order travels its timeline, one event per change', () => {
  it('captured: created → authorizing → authorized → capturing → captured', async () => {
    const no = await trackScripted([q('2003'), q('PR09'), q('PR07', 2), q('PR12'), q('PR11')]);
    expect(await finalState(no)).toBe('captured');
    expect(await transitions(no)).toEqual([
      'pending>created:preauth.updated',
      'created>authorizing:preauth.updated',
      'authorizing>authorized:preauth.authorized',
      'authorized>capturing:preauth.updated',
      'capturing>captured:preauth.captured',
    ]);
  });

  it('voided: authorized → voiding → voided', async () => {
    const no = await trackScripted([q('PR07'), q('PR15'), q('PR14')]);
    expect(await finalState(no)).toBe('voided');
    expect(await transitions(no)).toEqual([
      'pending>authorized:preauth.authorized',
      'authorized>voiding:preauth.updated',
      'voiding>voided:preauth.voided',
    ]);
  });

  it('expired: created → expired', async () => {
    const no = await trackScripted([q('2003', 2), q('2006')]);
    expect(await finalState(no)).toBe('expired');
    expect(await transitions(no)).toEqual(['pending>created:preauth.updated', 'created>expired:preauth.expired']);
  });

  it('failed: verifying → auth_failed', async () => {
    const no = await trackScripted([q('PR08'), q('PR10')]);
    expect(await finalState(no)).toBe('auth_failed');
    expect(await transitions(no)).toEqual(['pending>verifying:preauth.updated', 'verifying>auth_failed:preauth.failed']);
  });

  it('a capture failure, then a capture that succeeds', async () => {
    const no = await trackScripted([q('PR07'), q('PR12'), q('PR13'), q('PR12'), q('PR11')]);
    expect(await finalState(no)).toBe('captured');
    expect(await transitions(no)).toEqual([
      'pending>authorized:preauth.authorized',
      'authorized>capturing:preauth.updated',
      'capturing>capture_failed:preauth.capture_failed',
      'capture_failed>capturing:preauth.updated',
      'capturing>captured:preauth.captured',
    ]);
  });

  it('a void failure, then a void that succeeds', async () => {
    const no = await trackScripted([q('PR07'), q('PR15'), q('PR16'), q('PR15'), q('PR14')]);
    expect(await finalState(no)).toBe('voided');
    expect(await transitions(no)).toEqual([
      'pending>authorized:preauth.authorized',
      'authorized>voiding:preauth.updated',
      'voiding>void_failed:preauth.void_failed',
      'void_failed>voiding:preauth.updated',
      'voiding>voided:preauth.voided',
    ]);
  });

  it('not found (8901) for a while, then found: no event until LianLian knows the order', async () => {
    const no = await trackScripted([], { simulator: false });
    await waitFor(async () => ((await stack.engine.store.get(no))?.polls ?? 0) >= 3);
    const waiting = await stack.engine.store.get(no);
    expect(waiting?.state).toBe('pending');
    expect(waiting?.not_found_since).not.toBeNull();
    expect(await transitions(no)).toEqual([]);
    stack.simulator.addOrder({
      oid_partner: stack.oidPartner,
      no_order: no,
      dt_order: dt,
      money_order: '100.00',
      timeline: [q('PR07'), q('PR11')],
    });
    expect(await finalState(no)).toBe('captured');
    expect(await transitions(no)).toEqual(['pending>authorized:preauth.authorized', 'authorized>captured:preauth.captured']);
  });

  it('faults of every kind, then success: faults are never changes', async () => {
    const no = newOrder();
    stack.simulator.addOrder({
      oid_partner: stack.oidPartner,
      no_order: no,
      dt_order: dt,
      money_order: '100.00',
      timeline: [q('PR07', 1), q('PR11')],
    });
    stack.simulator.injectFault({ kind: 'http5xx', status: 503 }, { times: 2, no_order: no });
    stack.simulator.injectFault({ kind: 'unsigned9999' }, { times: 1, no_order: no });
    stack.simulator.injectFault({ kind: 'malformed' }, { times: 1, no_order: no });
    stack.simulator.injectFault({ kind: 'stall' }, { times: 1, no_order: no });
    stack.simulator.injectFault({ kind: 'latency', ms: 50 }, { times: 1, no_order: no });
    await stack.engine.track({ no_order: no, dt_order: dt, money_order: '100.00' }, { source: 'embed' });
    expect(await finalState(no)).toBe('captured');
    expect(await transitions(no)).toEqual(['pending>authorized:preauth.authorized', 'authorized>captured:preauth.captured']);
  });

  it('a wrongly signed answer is never believed', async () => {
    // the first three answers claim PR11 (captured) but are signed with a wrong key; the truth is PR10
    const no = newOrder();
    stack.simulator.addOrder({
      oid_partner: stack.oidPartner,
      no_order: no,
      dt_order: dt,
      money_order: '100.00',
      timeline: [q('PR11', 3), q('PR10')],
    });
    stack.simulator.injectFault({ kind: 'badSignature' }, { times: 3, no_order: no });
    await stack.engine.track({ no_order: no, dt_order: dt, money_order: '100.00' }, { source: 'embed' });
    expect(await finalState(no)).toBe('auth_failed');
    expect(await transitions(no)).toEqual(['pending>auth_failed:preauth.failed']);
  });

  it('events are CloudEvents with stable ids and every data key', async () => {
    const no = await trackScripted([q('PR07'), q('PR11')]);
    await finalState(no);
    const evs = await eventsOf(stack, no);
    expect(evs).toHaveLength(2);
    for (const [i, e] of evs.entries()) {
      expect(e.event).toMatchObject({
        specversion: '1.0',
        source: 'llrecon',
        subject: no,
        datacontenttype: 'application/json',
        type: e.type,
      });
      expect(Object.keys(e.event.data).sort()).toEqual(
        [
          'dt_order',
          'money_order',
          'no_order',
          'oid_paybill',
          'oid_partner',
          'previous_state',
          'ret_code',
          'ret_msg',
          'state',
          'via',
        ].sort(),
      );
      expect(e.event.data.via).toBe('poll');
      expect(new Date(e.event.time).toISOString()).toBe(e.event.time);
      expect(e.event.id).toContain(no);
      expect(evs.filter((x) => x.event.id === e.event.id)).toHaveLength(1);
      if (i === 1)
        expect(e.event.data).toMatchObject({ ret_code: 'PR11', state: 'captured', money_order: '100.00', oid_partner: stack.oidPartner });
    }
  });
});

describe('the tracking horizon', () => {
  let h: Stack;
  beforeAll(async () => {
    h = await startStack({ env: { POLL_SCHEDULE: '40ms', TRACKING_HORIZON: '400ms', QUERY_RATE_PER_SEC: '500' } });
  });
  afterAll(async () => h?.close());

  it('an order that never reaches a final code is abandoned within one step after the horizon', async () => {
    const no = `HZ${Date.now()}`;
    h.simulator.addOrder({ oid_partner: h.oidPartner, no_order: no, dt_order: dt, money_order: '5.00', timeline: [{ code: 'PR07' }] });
    const t0 = Date.now();
    await h.engine.track({ no_order: no, dt_order: dt, money_order: '5.00' }, { source: 'embed' });
    const state = await waitFor(async () => {
      const o = await h.engine.store.get(no);
      return o?.final ? o.state : null;
    });
    const took = Date.now() - t0;
    expect(state).toBe('abandoned');
    expect(took).toBeGreaterThanOrEqual(400);
    const evs = await eventsOf(h, no);
    expect(evs.map((e) => e.type)).toEqual(['preauth.authorized', 'preauth.abandoned']);
    expect(evs[1]?.event.data).toMatchObject({ via: 'horizon', ret_code: 'PR07', previous_state: 'authorized', state: 'abandoned' });
    // final orders are polled no more
    const polls = (await h.engine.store.get(no))?.polls;
    await new Promise((r) => setTimeout(r, 300));
    expect((await h.engine.store.get(no))?.polls).toBe(polls);
  });
});

describe('two queries of one order in flight at once', () => {
  let c: Stack;
  beforeAll(async () => {
    // routine polls every 10 minutes: the test drives the queries itself
    c = await startStack({ env: { POLL_SCHEDULE: '10m' } });
  });
  afterAll(async () => c?.close());

  it('an answer overtaken by a later change is never applied (no state goes backwards)', async () => {
    const no = `RACE${Date.now()}`;
    c.simulator.addOrder({ oid_partner: c.oidPartner, no_order: no, dt_order: dt, money_order: '9.00', timeline: [{ code: 'PR07' }] });
    await c.engine.track({ no_order: no, dt_order: dt, money_order: '9.00' }, { source: 'embed' });
    // the first query is answered PR07 by LianLian at once, but the answer takes 600 ms to arrive
    c.simulator.injectFault({ kind: 'latency', ms: 600 }, { times: 1, no_order: no });
    const slow = pollOnce(c.engine.ctx, no, 'poll', 'routine');
    await waitFor(() => c.simulator.queryCount(no) === 1);
    // meanwhile the order moves on and a confirming query sees it
    c.simulator.setCode(no, 'PR12');
    const quick = await pollOnce(c.engine.ctx, no, 'requery', 'high');
    expect(quick).toMatchObject({ changed: true, state: 'capturing' });
    const late = await slow;
    expect(late).toMatchObject({ changed: false, state: 'capturing' });
    expect((await c.engine.store.get(no))?.state).toBe('capturing');
    expect((await eventsOf(c, no)).map((e) => `${e.event.data.previous_state}>${e.event.data.state}`)).toEqual(['pending>capturing']);
  });
});
