// What llrecon believes (interface.md): the binding of a signed answer to the order, the forward-only lifecycle
// by phase, and what decide() makes of untrusted, stale, post-final, "no record" and 9092 answers. Pure tables.
import { describe, expect, it } from 'vitest';
import { bindAnswer, type AnswerIds, type BindingOrder } from '../src/reconcile/bind-answer.js';
import { decide, type QueryOutcome, type TrackedOrder } from '../src/reconcile/decide.js';
import { PHASE_OF, judgeMove } from '../src/reconcile/lifecycle.js';
import { deliveryOf, nextJobId, previousJobId, webhookJobId } from '../src/webhooks/delivery-job.js';
import { ORDER_STATES, isFinalState, type OrderState } from '../src/reconcile/states.js';

const OID = '201408071000001543';
const ORDER: BindingOrder = {
  oid_partner: OID,
  no_order: 'ORD-1',
  dt_order: '20260101120000',
  oid_paybill: '2026010100001111',
  paybill_from_lianlian: true,
};
const IDS: AnswerIds = { oid_partner: OID, no_order: 'ORD-1', dt_order: '20260101120000', oid_paybill: '2026010100001111' };

describe('bindAnswer', () => {
  it.each([
    ['the order itself', {}, {}, { ok: true, paybill: { kind: 'none' } }],
    [
      'no no_order, dt_order nor oid_paybill carried',
      { no_order: null, dt_order: null, oid_paybill: null },
      {},
      { ok: true, paybill: { kind: 'none' } },
    ],
    ['no oid_partner', { oid_partner: null }, {}, { ok: false, reason: 'no_oid_partner' }],
    ['another merchant', { oid_partner: '201408071000009999' }, {}, { ok: false, reason: 'other_merchant' }],
    ['another order', { no_order: 'ORD-2' }, {}, { ok: false, reason: 'other_order' }],
    ['another dt_order', { dt_order: '20260101120001' }, {}, { ok: false, reason: 'other_dt_order' }],
    ['another oid_paybill than LianLian gave', { oid_paybill: '2026010100002222' }, {}, { ok: false, reason: 'other_oid_paybill' }],
    [
      'an oid_paybill for an order that had none',
      {},
      { oid_paybill: null, paybill_from_lianlian: false },
      { ok: true, paybill: { kind: 'learned', oid_paybill: '2026010100001111' } },
    ],
    [
      "the merchant's oid_paybill confirmed",
      {},
      { paybill_from_lianlian: false },
      { ok: true, paybill: { kind: 'learned', oid_paybill: '2026010100001111' } },
    ],
    [
      "another oid_paybill than the merchant's",
      { oid_paybill: '2026010100002222' },
      { paybill_from_lianlian: false },
      { ok: true, paybill: { kind: 'corrected', oid_paybill: '2026010100002222', wrong: '2026010100001111' } },
    ],
  ] as const)('%s', (_, answer, order, expected) => {
    expect(bindAnswer({ ...ORDER, ...order }, { ...IDS, ...answer })).toEqual(expected);
  });
});

describe('the lifecycle', () => {
  it('phases go pending → created → verifying/authorizing → authorized → capturing/voiding/…_failed → final', () => {
    const byPhase = [0, 1, 2, 3, 4, 5].map((p) => ORDER_STATES.filter((s) => PHASE_OF[s] === p).sort());
    expect(byPhase).toEqual([
      ['pending'],
      ['created'],
      ['authorizing', 'verifying'],
      ['authorized'],
      ['capture_failed', 'capturing', 'void_failed', 'voiding'],
      ['abandoned', 'auth_failed', 'captured', 'expired', 'voided'],
    ]);
  });

  it.each([
    ['created', 'authorized', 'change'],
    ['verifying', 'authorizing', 'change'],
    ['authorizing', 'verifying', 'change'],
    ['capture_failed', 'capturing', 'change'],
    ['capturing', 'void_failed', 'change'],
    ['authorized', 'created', 'regression'],
    ['capturing', 'authorized', 'regression'],
    ['capture_failed', 'authorized', 'regression'],
    ['authorizing', 'created', 'regression'],
    ['captured', 'authorized', 'post_final'],
    ['captured', 'voided', 'post_final'],
    ['voided', 'abandoned', 'post_final'],
    ['abandoned', 'authorized', 'post_final'],
    ['abandoned', 'captured', 'change'],
    ['abandoned', 'expired', 'change'],
    ['captured', 'captured', 'same'],
  ] as const)('%s → %s: %s', (from, to, move) => {
    expect(judgeMove(from, to)).toBe(move);
  });

  it('never moves a final state other than abandoned, nor to an earlier phase', () => {
    for (const from of ORDER_STATES)
      for (const to of ORDER_STATES) {
        const m = judgeMove(from as OrderState, to as OrderState);
        if (m !== 'change') continue;
        expect(PHASE_OF[to]).toBeGreaterThanOrEqual(PHASE_OF[from]);
        if (isFinalState(from)) expect([from, isFinalState(to)]).toEqual(['abandoned', true]);
      }
  });
});

describe('decide: what is believed', () => {
  const NOW = Date.UTC(2026, 0, 2, 4, 0, 0);
  const H = 3_600_000;
  const order = (state: OrderState, more: Partial<TrackedOrder> = {}): TrackedOrder => ({
    state,
    step: 2,
    trackedAt: NOW - H,
    horizonAt: NOW + 200 * H,
    deadline: NOW + 168 * H,
    notFoundSince: null,
    money_order: '100.00',
    ...more,
  });
  const answer = (ret_code: string): QueryOutcome => ({ kind: 'answer', ret_code, ret_msg: '', money_order: null });
  const run = (o: TrackedOrder, q: QueryOutcome, now = NOW) => decide(o, q, now, { schedule: null, notFoundGraceMs: 30 * 60_000 }, () => 0);

  it('a stale answer (earlier phase) is a regression: not applied, alerted, polling goes on', () => {
    expect(run(order('capturing'), answer('PR07'))).toMatchObject({ to: null, final: false, alert: 'regression', outcome: 'regression' });
  });

  it('a different signed state for a final order is a post-final disagreement: final, never applied', () => {
    for (const code of ['PR07', 'PR12', 'PR14', '2003'])
      expect(run(order('captured'), answer(code))).toMatchObject({
        to: null,
        final: true,
        nextDelay: null,
        alert: 'post_final_disagreement',
        outcome: 'post_final',
      });
    expect(run(order('abandoned'), answer('PR07'))).toMatchObject({ to: null, final: true, outcome: 'post_final' });
  });

  it('abandoned is replaced by a later signed final code', () => {
    expect(run(order('abandoned'), answer('PR11'))).toMatchObject({ to: 'captured', final: true, outcome: 'change', alert: null });
    expect(run(order('abandoned', { horizonAt: NOW - H }), answer('2006'))).toMatchObject({ to: 'expired', final: true });
  });

  it('an answer about another order is untrusted: retried, never a state, not even a final one', () => {
    const q: QueryOutcome = { kind: 'untrusted', reason: 'other_order', retCode: 'PR11' };
    expect(run(order('authorized'), q)).toMatchObject({ to: null, final: false, alert: null, outcome: 'untrusted', nextStep: 3 });
    // nor a "no record" about another order
    expect(run(order('pending'), { kind: 'untrusted', reason: 'other_merchant', retCode: '8901' })).toMatchObject({
      outcome: 'untrusted',
      notFoundSince: null,
    });
  });

  it("9092 signed or not: the merchant's oid_paybill is wrong (alerted, polled again at the schedule)", () => {
    for (const q of [answer('9092'), { kind: 'failure', errorCode: 'LLRECON_UNSIGNED_ANSWER', retCode: '9092' } as const])
      expect(run(order('pending', { merchantPaybill: true }), q)).toMatchObject({
        to: null,
        alert: 'wrong_oid_paybill',
        outcome: 'wrong_paybill',
        nextDelay: 30_000,
      });
    // an oid_paybill LianLian gave itself is not dropped on a 9092
    expect(run(order('authorized', { merchantPaybill: false }), answer('9092'))).toMatchObject({ outcome: 'unknown' });
  });

  it('an unsigned 9002 is retried', () => {
    expect(run(order('pending'), { kind: 'failure', errorCode: 'LLRECON_UNSIGNED_ANSWER', retCode: '9002' })).toMatchObject({
      to: null,
      outcome: 'untrusted',
      alert: null,
      pauseMerchant: false,
    });
    expect(run(order('pending'), answer('9002'))).toMatchObject({ outcome: 'retry' });
  });
});

describe('webhook jobs are named by order and change number, whatever state the change moved to', () => {
  it('reads the version before the state, and old ids without one', () => {
    const job = (id: string) => webhookJobId(id);
    expect(job(`${OID}:A:B:1:2:captured`)).toBe(job(`${OID}:A:B:1:2:voiding`));
    expect(job(`${OID}:A:B:1:2:captured`)).toBe(job(`${OID}:A:B:1:2`));
    expect(job(`${OID}:A:B:1:2:captured`)).not.toBe(job(`${OID}:A:B:1:3:captured`));
    const d = { id: `${OID}:ORD:1:7:authorized`, v: 7 };
    expect(previousJobId(d)).toBe(job(`${OID}:ORD:1:6:created`));
    expect(nextJobId(d)).toBe(job(`${OID}:ORD:1:8:capturing`));
    expect(previousJobId({ id: `${OID}:ORD:1:authorized`, v: 1 })).toBeNull();
    const entry = (id: string) => deliveryOf('1-0', ['type', 'preauth.updated', 'event', JSON.stringify({ id, subject: 'ORD' })]);
    expect(entry(`${OID}:ORD:7:capturing`)?.data.v).toBe(7);
    expect(entry(`${OID}:ORD:7`)?.data.v).toBe(7);
    expect(entry(`${OID}:ORD:capturing`)).toBeNull();
  });
});
