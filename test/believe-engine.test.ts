// What llrecon believes, end to end: queries of the real simulator over HTTP, the real Redis, one query at a time
// (routine polls are an hour apart here, so each query below is the test's own). Answers about another order,
// merchant, dt_order or oid_paybill are never believed; stale answers never move an order back; a final order
// never changes (but abandoned); "no record" unsigned is "not yet"; 9092 drops the merchant's oid_paybill; an
// event id names its state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLianLianTime } from '../src/lianlian/time.js';
import { pollOnce } from '../src/poll/query-order.js';
import { HASH_FIELD as F } from '../src/store/order-record.js';
import { eventsOf } from './support/events.js';
import { startStack, type Stack } from './support/stack.js';

let stack: Stack;
let seq = 0;
const dt = formatLianLianTime(Date.now());

beforeAll(async () => {
  stack = await startStack({ env: { POLL_SCHEDULE: '1h', QUERY_TIMEOUT: '2s', NOT_FOUND_GRACE: '0s' } });
});
afterAll(async () => stack?.close());

/** An order LianLian knows (answering `code`), tracked; `paybill` is what the merchant gives, if anything. */
async function order(code: string | null, opts: { paybill?: string; simPaybill?: string } = {}): Promise<string> {
  const no = `BEL${Date.now()}${seq++}`;
  if (code !== null) {
    stack.simulator.addOrder({
      oid_partner: stack.oidPartner,
      no_order: no,
      dt_order: dt,
      money_order: '100.00',
      ...(opts.simPaybill ? { oid_paybill: opts.simPaybill } : {}),
    });
    stack.simulator.setCode(no, code);
  }
  const r = await stack.engine.track(
    { no_order: no, dt_order: dt, money_order: '100.00', oid_paybill: opts.paybill ?? null },
    { source: 'embed' },
  );
  expect(r.accepted).toEqual([no]);
  return no;
}

const query = (no: string) => pollOnce(stack.engine.ctx, no, 'requery', 'high');
const states = async (no: string) => (await eventsOf(stack, no)).map((e) => e.event.data.state);
async function counter(name: 'alerts' | 'untrustedAnswers', label: string): Promise<number> {
  const m = await stack.engine.metrics[name].get();
  return m.values.find((v) => Object.values(v.labels).includes(label))?.value ?? 0;
}
async function lastQueryEntry(no: string) {
  const [e] = await stack.engine.store.timeline(no, 1);
  return e;
}

describe('an answer about something else is never believed', () => {
  it('another order (swapped), another merchant, another dt_order: untrusted, counted, on the timeline; then the real answer', async () => {
    const captured = await order('PR11');
    for (const [fault, reason] of [
      [{ kind: 'swapped', no_order: captured }, 'other_order'],
      [{ kind: 'otherMerchant' }, 'other_merchant'],
      [{ kind: 'otherDtOrder' }, 'other_dt_order'],
    ] as const) {
      const no = await order('PR11');
      const before = await counter('untrustedAnswers', reason);
      stack.simulator.injectFault(fault, { times: 2, no_order: no });
      for (let i = 0; i < 2; i++) expect(await query(no)).toMatchObject({ changed: false, state: 'pending' });
      expect(await counter('untrustedAnswers', reason)).toBe(before + 2);
      expect(await lastQueryEntry(no)).toMatchObject({ kind: 'query', ret_code: 'PR11', outcome: 'untrusted', reason, n: 2 });
      expect(await states(no)).toEqual([]);
      expect(await query(no)).toMatchObject({ changed: true, state: 'captured' });
      expect(await states(no)).toEqual(['captured']);
    }
  });

  it("another oid_paybill than the one LianLian gave: untrusted; LianLian's is kept", async () => {
    const no = await order('PR07');
    await query(no);
    const known = await stack.engine.store.get(no);
    expect(known).toMatchObject({ state: 'authorized', paybill_from_lianlian: true });
    stack.simulator.setCode(no, 'PR11');
    const before = await counter('untrustedAnswers', 'other_oid_paybill');
    stack.simulator.injectFault({ kind: 'otherPaybill' }, { times: 1, no_order: no });
    expect(await query(no)).toMatchObject({ changed: false, state: 'authorized' });
    expect(await counter('untrustedAnswers', 'other_oid_paybill')).toBe(before + 1);
    expect((await stack.engine.store.get(no))?.oid_paybill).toBe(known?.oid_paybill);
    expect(await query(no)).toMatchObject({ changed: true, state: 'captured' });
    expect(await states(no)).toEqual(['authorized', 'captured']);
  });
});

describe('never backwards', () => {
  it('PR11 then PR07 forever: one captured, nothing after; a re-query emits nothing and alerts', async () => {
    const no = await order('PR11');
    expect(await query(no)).toMatchObject({ changed: true, state: 'captured', final: true });
    stack.simulator.setCode(no, 'PR07');
    const before = await counter('alerts', 'post_final_disagreement');
    for (let i = 0; i < 3; i++) expect(await query(no)).toMatchObject({ changed: false, state: 'captured', final: true, nextDelay: null });
    expect(await counter('alerts', 'post_final_disagreement')).toBe(before + 3);
    expect(await lastQueryEntry(no)).toMatchObject({
      ret_code: 'PR07',
      outcome: 'post_final',
      reason: 'reported authorized while captured',
    });
    expect(await stack.engine.store.get(no)).toMatchObject({ state: 'captured', final: true, version: 1 });
    expect(await states(no)).toEqual(['captured']);
    // the routine poll of a final order does not even ask
    expect(await pollOnce(stack.engine.ctx, no, 'poll', 'routine')).toMatchObject({ final: true, changed: false });
    expect(await states(no)).toEqual(['captured']);
  });

  it('PR07, PR12, PR07, PR11: the stale PR07 is a regression, no second authorized', async () => {
    const no = await order('PR07');
    await query(no);
    stack.simulator.setCode(no, 'PR12');
    await query(no);
    const before = await counter('alerts', 'regression');
    // a lagging replica: the simulator's stale answer is the code it answered before
    stack.simulator.injectFault({ kind: 'stale' }, { times: 1, no_order: no });
    expect(await query(no)).toMatchObject({ changed: false, state: 'capturing', final: false });
    expect(await counter('alerts', 'regression')).toBe(before + 1);
    expect(await lastQueryEntry(no)).toMatchObject({
      ret_code: 'PR07',
      outcome: 'regression',
      reason: 'reported authorized while capturing',
    });
    stack.simulator.setCode(no, 'PR11');
    await query(no);
    expect(await states(no)).toEqual(['authorized', 'capturing', 'captured']);
  });

  it("abandoned, then PR11 on a re-query: captured (a later final code replaces llrecon's own verdict)", async () => {
    const no = await order('PR07');
    const o = await stack.engine.store.get(no);
    const r = await stack.engine.store.transition({
      no_order: no,
      expectedVersion: o!.version,
      to: 'abandoned',
      ret_code: null,
      ret_msg: null,
      via: 'horizon',
      at: Date.now(),
      nextPollAt: null,
      step: 0,
    });
    expect(r.applied).toBe(true);
    // still authorized at LianLian: a disagreement, not a change
    expect(await query(no)).toMatchObject({ changed: false, state: 'abandoned', final: true });
    stack.simulator.setCode(no, 'PR11');
    expect(await query(no)).toMatchObject({ changed: true, state: 'captured', final: true });
    expect(await states(no)).toEqual(['abandoned', 'captured']);
  });
});

describe('no record, and the wrong oid_paybill', () => {
  it('an unsigned 8901 is "not yet": the grace clock starts (its alert fires), then the order is found', async () => {
    const no = await order(null);
    const before = await counter('alerts', 'not_found_overdue');
    expect(await query(no)).toMatchObject({ changed: false, state: 'pending' });
    expect(await stack.engine.store.get(no)).toMatchObject({ not_found_since: expect.any(Number), last_seen_code: '8901' });
    expect(await lastQueryEntry(no)).toMatchObject({ ret_code: '8901', outcome: 'not_found' });
    expect(await counter('alerts', 'not_found_overdue')).toBe(before + 1);
    stack.simulator.addOrder({ oid_partner: stack.oidPartner, no_order: no, dt_order: dt, money_order: '100.00' });
    stack.simulator.setCode(no, 'PR07');
    expect(await query(no)).toMatchObject({ changed: true, state: 'authorized' });
    expect(await stack.engine.store.get(no)).toMatchObject({ not_found_since: null });
  });

  it("a signed 8901 echoing the merchant's oid_paybill does not make it LianLian's", async () => {
    const no = await order(null, { paybill: '2026000000000002' });
    stack.simulator.signNoRecord = true;
    try {
      expect(await query(no)).toMatchObject({ changed: false, state: 'pending' });
    } finally {
      stack.simulator.signNoRecord = false;
    }
    expect(await lastQueryEntry(no)).toMatchObject({ ret_code: '8901', outcome: 'not_found' });
    expect(await stack.engine.store.get(no)).toMatchObject({ oid_paybill: '2026000000000002', paybill_from_lianlian: false });
  });

  it("9092: the merchant's oid_paybill is recorded as wrong and dropped; the order is then found by no_order alone", async () => {
    const no = await order('PR07', { paybill: '2026000000000001', simPaybill: '2026000000000777' });
    const before = await counter('alerts', 'wrong_oid_paybill');
    expect(await query(no)).toMatchObject({ changed: false, state: 'pending' });
    expect(stack.simulator.lastQuery(no)).toMatchObject({ oid_paybill: '2026000000000001' });
    expect(await counter('alerts', 'wrong_oid_paybill')).toBe(before + 1);
    expect(await lastQueryEntry(no)).toMatchObject({
      ret_code: '9092',
      outcome: 'wrong_paybill',
      reason: "oid_paybill 2026000000000001 is not this order's",
    });
    expect((await stack.engine.store.get(no))?.oid_paybill).toBeNull();
    expect(await query(no)).toMatchObject({ changed: true, state: 'authorized' });
    expect(stack.simulator.lastQuery(no)).not.toHaveProperty('oid_paybill');
    expect(await stack.engine.store.get(no)).toMatchObject({ oid_paybill: '2026000000000777', paybill_from_lianlian: true });
    const [e] = await eventsOf(stack, no);
    expect(e?.event.data.oid_paybill).toBe('2026000000000777');
  });
});

describe('event ids', () => {
  it("a change lost with Redis's last second and then made differently gets another id", async () => {
    const no = await order('PR07');
    await query(no);
    stack.simulator.setCode(no, 'PR11');
    await query(no);
    const [, lost] = await eventsOf(stack, no);
    expect(lost?.event.id).toBe(`${stack.oidPartner}:${no}:2:captured`);
    // what Redis's lost second looks like: the change and its event are gone, the order is as before it
    const { redis, ks } = stack.engine.ctx;
    await redis.xdel(ks.events, lost!.streamId);
    await redis.rpop(ks.history(no));
    await redis.zrem(ks.stateIndex('captured'), no);
    await redis.zadd(ks.stateIndex('authorized'), Date.now(), no);
    await redis.hset(ks.order(no), F.state, 'authorized', F.version, '1', F.final, '0', F.ret_code, 'PR07');
    // and LianLian has moved on differently meanwhile
    stack.simulator.setCode(no, 'PR15');
    expect(await query(no)).toMatchObject({ changed: true, state: 'voiding' });
    const ids = (await eventsOf(stack, no)).map((e) => e.event.id);
    expect(ids).toEqual([`${stack.oidPartner}:${no}:1:authorized`, `${stack.oidPartner}:${no}:2:voiding`]);
    expect(ids).not.toContain(lost?.event.id);
  });
});

describe('the transition script refuses what the lifecycle forbids, whatever its caller says', () => {
  const move = async (no: string, to: 'authorized' | 'created' | 'captured' | 'voided' | 'abandoned') => {
    const o = await stack.engine.store.get(no);
    return stack.engine.store.transition({
      no_order: no,
      expectedVersion: o!.version,
      to,
      ret_code: null,
      ret_msg: null,
      via: 'poll',
      at: Date.now(),
      nextPollAt: null,
      step: 0,
    });
  };

  it('an earlier phase, or out of a final state other than abandoned: refused, nothing written', async () => {
    const no = await order(null);
    expect(await move(no, 'authorized')).toMatchObject({ applied: true });
    expect(await move(no, 'created')).toMatchObject({
      applied: false,
      refused: 'regression',
      current: { state: 'authorized', version: 1 },
    });
    expect(await move(no, 'abandoned')).toMatchObject({ applied: true });
    expect(await move(no, 'authorized')).toMatchObject({ applied: false, refused: 'final' });
    expect(await move(no, 'captured')).toMatchObject({ applied: true });
    expect(await move(no, 'voided')).toMatchObject({ applied: false, refused: 'final' });
    expect(await move(no, 'abandoned')).toMatchObject({ applied: false, refused: 'final' });
    expect(await states(no)).toEqual(['authorized', 'abandoned', 'captured']);
    expect((await stack.engine.store.history(no)).filter((h) => h.kind === 'change')).toHaveLength(3);
  });
});
