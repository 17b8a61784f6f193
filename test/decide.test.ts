// The decision after one query: state codes from each state, same-state steps, retries and failures, unsigned
// answers (config vs 9999), not-found grace, amount mismatch, unknown codes, and the tracking horizon.
import { describe, expect, it } from 'vitest';
import { decide, horizonFor, type Decision, type QueryOutcome, type TrackedOrder } from '../src/reconcile/decide.js';
import { RET_CODES } from '../src/reconcile/return-codes.js';
import { scheduledDelay } from '../src/reconcile/schedule.js';
import { judgeMove } from '../src/reconcile/lifecycle.js';
import { ORDER_STATES, isFinalState, type OrderState } from '../src/reconcile/states.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const DAY = 24 * H;
const NOW = Date.UTC(2024, 4, 1, 4, 0, 0);
const GRACE = 30 * M;

function order(state: OrderState, step = 0, more: Partial<TrackedOrder> = {}): TrackedOrder {
  return {
    state,
    step,
    trackedAt: NOW - H,
    horizonAt: NOW + 8 * DAY,
    deadline: NOW + 7 * DAY,
    notFoundSince: null,
    money_order: '100.00',
    ...more,
  };
}
function answer(ret_code: string, money_order: string | null = null): QueryOutcome {
  return { kind: 'answer', ret_code, ret_msg: '交易成功', money_order };
}
function failure(errorCode: string, retCode: string | null = null): QueryOutcome {
  return { kind: 'failure', errorCode, retCode };
}
/** decide() with the least jitter unless told otherwise. */
function run(
  o: TrackedOrder,
  outcome: QueryOutcome,
  opts: { now?: number; random?: number; schedule?: number[]; grace?: number } = {},
): Decision {
  return decide(
    o,
    outcome,
    opts.now ?? NOW,
    { schedule: opts.schedule ?? null, notFoundGraceMs: opts.grace ?? GRACE },
    () => opts.random ?? 0,
  );
}

const QUIET = { notFoundSince: null, pauseMerchant: false, alert: null } as const;

describe('state codes', () => {
  it.each([
    // [from, step, code, to, final, nextStep, nextDelay, outcome]
    ['pending', 0, '2003', 'created', false, 0, 5 * S, 'change'],
    ['pending', 3, 'PR07', 'authorized', false, 0, 1 * M, 'change'],
    ['created', 2, 'PR08', 'verifying', false, 0, 5 * S, 'change'],
    ['verifying', 1, 'PR09', 'authorizing', false, 0, 5 * S, 'change'],
    ['authorizing', 4, 'PR07', 'authorized', false, 0, 1 * M, 'change'],
    ['authorizing', 4, 'PR10', 'auth_failed', true, 0, null, 'change'],
    ['authorized', 9, 'PR12', 'capturing', false, 0, 5 * S, 'change'],
    ['authorized', 9, 'PR11', 'captured', true, 0, null, 'change'],
    ['capturing', 2, 'PR11', 'captured', true, 0, null, 'change'],
    ['capturing', 2, 'PR13', 'capture_failed', false, 0, 5 * S, 'change'],
    ['capture_failed', 5, 'PR12', 'capturing', false, 0, 5 * S, 'change'],
    ['capture_failed', 5, 'PR11', 'captured', true, 0, null, 'change'],
    ['authorized', 9, 'PR15', 'voiding', false, 0, 5 * S, 'change'],
    ['voiding', 1, 'PR14', 'voided', true, 0, null, 'change'],
    ['voiding', 1, 'PR16', 'void_failed', false, 0, 5 * S, 'change'],
    ['void_failed', 6, 'PR14', 'voided', true, 0, null, 'change'],
    ['authorized', 9, '2006', 'expired', true, 0, null, 'change'],
    ['created', 0, '2006', 'expired', true, 0, null, 'change'],
  ] as const)('%s (step %i) + %s → %s', (from, step, code, to, final, nextStep, nextDelay, outcome) => {
    expect(run(order(from, step), answer(code))).toEqual({ ...QUIET, to, final, nextStep, nextDelay, outcome });
  });

  it.each([
    // [state, step, code, nextDelay]
    ['created', 0, '2003', 10 * S],
    ['created', 6, '2003', 10 * M],
    ['created', 40, '2003', 10 * M],
    ['authorized', 0, 'PR07', 5 * M],
    ['authorized', 3, 'PR07', 1 * H],
    ['authorized', 10, 'PR07', 1 * H],
    ['capturing', 2, 'PR12', 30 * S],
    ['capture_failed', 1, 'PR13', 20 * S],
  ] as const)('%s at step %i + the same code %s: no change, next step, %i ms', (state, step, code, nextDelay) => {
    expect(run(order(state, step), answer(code))).toEqual({
      ...QUIET,
      to: null,
      final: false,
      nextStep: step + 1,
      nextDelay,
      outcome: 'same',
    });
  });

  it('every state code from every non-final state: a forward change resets the step, the same state advances it, an earlier phase is a regression', () => {
    for (const row of RET_CODES.filter((r) => r.class === 'state')) {
      const to = row.state as OrderState;
      for (const from of ORDER_STATES.filter((s) => !isFinalState(s))) {
        const d = run(order(from, 3), answer(row.code));
        const move = judgeMove(from, to);
        if (move === 'regression') {
          expect(d).toEqual({
            ...QUIET,
            to: null,
            final: false,
            nextStep: 4,
            nextDelay: scheduledDelay({ state: from, step: 4, now: NOW, deadline: NOW + 7 * DAY, schedule: null }),
            alert: 'regression',
            outcome: 'regression',
          });
          continue;
        }
        const changed = to !== from;
        expect(d.to).toBe(changed ? to : null);
        expect(d.nextStep).toBe(changed ? 0 : 4);
        expect(d.final).toBe(row.final);
        expect(d.nextDelay).toBe(
          row.final ? null : scheduledDelay({ state: to, step: d.nextStep, now: NOW, deadline: NOW + 7 * DAY, schedule: null }),
        );
        expect(d.outcome).toBe(changed ? 'change' : 'same');
      }
    }
  });

  it('a final order confirmed by its own code stays final and is not polled again', () => {
    expect(run(order('captured', 2), answer('PR11'))).toEqual({
      ...QUIET,
      to: null,
      final: true,
      nextStep: 3,
      nextDelay: null,
      outcome: 'same',
    });
  });

  it('a final order whose confirming query fails stays final', () => {
    expect(run(order('voided', 0), failure('LLRECON_TIMEOUT'), { now: NOW + 9 * DAY })).toMatchObject({
      to: null,
      final: true,
      nextDelay: null,
      outcome: 'failure',
    });
  });

  it('POLL_SCHEDULE is used exactly, for the new state and the same state alike', () => {
    const schedule = [1 * S, 2 * S, 3 * S];
    expect(run(order('created', 0), answer('PR07'), { schedule })).toMatchObject({ to: 'authorized', nextStep: 0, nextDelay: 1 * S });
    expect(run(order('authorized', 1), answer('PR07'), { schedule })).toMatchObject({ to: null, nextStep: 2, nextDelay: 3 * S });
    expect(run(order('authorized', 8), answer('PR07'), { schedule })).toMatchObject({ nextStep: 9, nextDelay: 3 * S });
  });

  it('near the deadline the default policy polls sooner', () => {
    expect(run(order('authorized', 4, { deadline: NOW + 20 * M }), answer('PR07'))).toMatchObject({ nextDelay: 5 * M });
    expect(run(order('authorized', 4, { deadline: NOW - 2 * M }), answer('PR07'))).toMatchObject({ nextDelay: 30 * S });
  });
});

describe('retries and failures', () => {
  it.each(['1003', '1007', '2005', '2008', '9000', '9902', '9903', '9970', '9990', '9991', '9999'])(
    'signed %s: no change, next step, jittered',
    (code) => {
      expect(run(order('authorized', 4), answer(code))).toEqual({
        ...QUIET,
        to: null,
        final: false,
        nextStep: 5,
        nextDelay: 1 * H,
        outcome: 'retry',
      });
      expect(run(order('authorized', 4), answer(code), { random: 0.5 }).nextDelay).toBe(66 * M);
    },
  );

  it.each(['LLRECON_TRANSPORT', 'LLRECON_TIMEOUT', 'LLRECON_HTTP_STATUS', 'LLRECON_UNPARSEABLE_ANSWER'])(
    '%s: a failure, the next step jittered upward',
    (code) => {
      expect(run(order('created', 1), failure(code))).toEqual({
        ...QUIET,
        to: null,
        final: false,
        nextStep: 2,
        nextDelay: 20 * S,
        outcome: 'failure',
      });
      expect(run(order('created', 1), failure(code), { random: 0.999 }).nextDelay).toBe(Math.floor(20 * S * 1.1998));
    },
  );

  it('an unsigned 9999 is untrusted and retried, with no alert and no pause', () => {
    expect(run(order('authorized', 0), failure('LLRECON_UNSIGNED_ANSWER', '9999'))).toEqual({
      ...QUIET,
      to: null,
      final: false,
      nextStep: 1,
      nextDelay: 5 * M,
      outcome: 'untrusted',
    });
  });

  it.each(['1001', '1004', '1008', '1009', '1012', '3001', '3010', '9901'])(
    'an unsigned config code %s pauses the merchant and alerts, changing nothing',
    (code) => {
      expect(run(order('created', 2), failure('LLRECON_UNSIGNED_ANSWER', code))).toEqual({
        to: null,
        final: false,
        nextStep: 3,
        nextDelay: 30 * S,
        notFoundSince: null,
        pauseMerchant: true,
        alert: 'config_error',
        outcome: 'untrusted',
      });
    },
  );

  it.each(['1001', '1008', '3010'])('a signed config code %s does the same', (code) => {
    expect(run(order('created', 2), answer(code))).toEqual({
      to: null,
      final: false,
      nextStep: 3,
      nextDelay: 30 * S,
      notFoundSince: null,
      pauseMerchant: true,
      alert: 'config_error',
      outcome: 'config',
    });
  });

  it.each([
    ['LLRECON_UNSIGNED_ANSWER', 'PR11'],
    ['LLRECON_BAD_ANSWER_SIGNATURE', 'PR11'],
    ['LLRECON_BAD_ANSWER_SIGNATURE', 'PR07'],
    ['LLRECON_UNSIGNED_ANSWER', '2006'],
  ])('%s carrying %s never changes the state', (errorCode, retCode) => {
    expect(run(order('authorized', 1), failure(errorCode, retCode))).toEqual({
      ...QUIET,
      to: null,
      final: false,
      nextStep: 2,
      nextDelay: 15 * M,
      outcome: 'untrusted',
    });
  });

  it('a failure keeps the not-found clock as it was', () => {
    expect(run(order('pending', 2, { notFoundSince: NOW - 5 * M }), failure('LLRECON_TIMEOUT')).notFoundSince).toBe(NOW - 5 * M);
    expect(run(order('pending', 2, { notFoundSince: NOW - 5 * M }), answer('9999')).notFoundSince).toBe(NOW - 5 * M);
  });
});

describe('not found', () => {
  it.each(['8901', '5002', '9093'])('%s first seen starts the grace clock and keeps polling at the schedule', (code) => {
    // LianLian sends "no record" unsigned: it means "not yet" all the same, since it changes nothing
    for (const unsigned of [failure('LLRECON_UNSIGNED_ANSWER', code), failure('LLRECON_BAD_ANSWER_SIGNATURE', code)])
      expect(run(order('pending', 0), unsigned, { random: 0.9 })).toMatchObject({ to: null, notFoundSince: NOW, outcome: 'not_found' });
    expect(run(order('pending', 0), answer(code), { random: 0.9 })).toEqual({
      to: null,
      final: false,
      nextStep: 1,
      nextDelay: 10 * S,
      notFoundSince: NOW,
      pauseMerchant: false,
      alert: null,
      outcome: 'not_found',
    });
  });

  it.each([
    // [seen since, alert]
    [NOW - 1 * M, null],
    [NOW - GRACE + 1, null],
    [NOW - GRACE, 'not_found_overdue'],
    [NOW - 3 * H, 'not_found_overdue'],
  ] as const)('first seen at %i: alert %s, polling goes on', (since, alert) => {
    expect(run(order('pending', 5, { notFoundSince: since }), answer('8901'))).toEqual({
      to: null,
      final: false,
      nextStep: 6,
      nextDelay: 5 * M,
      notFoundSince: since,
      pauseMerchant: false,
      alert,
      outcome: 'not_found',
    });
  });

  it('any found answer clears the clock', () => {
    expect(run(order('pending', 5, { notFoundSince: NOW - H }), answer('2003')).notFoundSince).toBeNull();
    expect(run(order('authorized', 5, { notFoundSince: NOW - H }), answer('PR07')).notFoundSince).toBeNull();
  });

  it('8888 is not "not found"', () => {
    expect(run(order('pending', 0), answer('8888'))).toMatchObject({ outcome: 'unknown', notFoundSince: null, alert: 'unknown_code' });
  });
});

describe('amount', () => {
  it.each([
    ['100.00', '100.01', 'amount_mismatch'],
    ['100.00', '10.00', 'amount_mismatch'],
    ['100.00', 'abc', 'amount_mismatch'],
    ['210.97', '210.975', 'amount_mismatch'],
    ['100.00', ' 100.00', 'amount_mismatch'],
    ['100.00', '1e2', 'amount_mismatch'],
    ['210.97', '210.970', null],
    ['1.5', '1.50', null],
    ['1.50', '1.5', null],
    ['100.00', '100', null],
    ['0100.50', '100.5', null],
    ['0.10', '0.1', null],
    [null, '100.00', null],
    ['100.00', null, null],
  ] as const)('tracked %s, answered %s: alert %s, the state change still applies', (tracked, answered, alert) => {
    expect(run(order('created', 1, { money_order: tracked }), answer('PR07', answered))).toEqual({
      ...QUIET,
      to: 'authorized',
      final: false,
      nextStep: 0,
      nextDelay: 1 * M,
      alert,
      outcome: 'change',
    });
  });

  it('a mismatch is reported on a same-state answer too, and outranks an unknown code', () => {
    expect(run(order('authorized', 1), answer('PR07', '99.99')).alert).toBe('amount_mismatch');
    expect(run(order('authorized', 1), answer('0000', '99.99')).alert).toBe('amount_mismatch');
  });

  it('a config error outranks a mismatch', () => {
    expect(run(order('authorized', 1), answer('1008', '99.99')).alert).toBe('config_error');
  });
});

describe('unknown codes', () => {
  it.each(['0000', 'ZZ99', 'PR99', ''])('%j: keep polling at the schedule (no jitter), alert, never a state', (code) => {
    expect(run(order('authorized', 2, { notFoundSince: NOW - M }), answer(code), { random: 0.9 })).toEqual({
      to: null,
      final: false,
      nextStep: 3,
      nextDelay: 30 * M,
      notFoundSince: NOW - M,
      pauseMerchant: false,
      alert: 'unknown_code',
      outcome: 'unknown',
    });
  });
});

describe('tracking horizon', () => {
  const at = { horizonAt: NOW };

  it.each([
    ['a failure', failure('LLRECON_TIMEOUT'), 'failure'],
    ['an unsigned final code', failure('LLRECON_UNSIGNED_ANSWER', 'PR11'), 'untrusted'],
    ['the same state', answer('PR07'), 'same'],
    ['a change to a non-final state', answer('PR12'), 'change'],
    ['a retry code', answer('9999'), 'retry'],
    ['no record', answer('8901'), 'not_found'],
    ['an unknown code', answer('0000'), 'unknown'],
  ] as const)('reached with %s: abandoned, final', (_, outcome, label) => {
    expect(run(order('authorized', 7, at), outcome)).toMatchObject({
      to: 'abandoned',
      final: true,
      nextDelay: null,
      nextStep: 0,
      outcome: label,
    });
  });

  it('a final code seen at the horizon wins over abandoned', () => {
    expect(run(order('authorized', 7, at), answer('PR11'))).toEqual({
      ...QUIET,
      to: 'captured',
      final: true,
      nextStep: 0,
      nextDelay: null,
      outcome: 'change',
    });
    expect(run(order('authorized', 7, at), answer('2006'), { now: NOW + DAY })).toMatchObject({ to: 'expired', final: true });
  });

  it('one millisecond before it, polling goes on', () => {
    expect(run(order('authorized', 7, at), answer('PR07'), { now: NOW - 1 })).toMatchObject({ to: null, final: false, nextStep: 8 });
  });

  it('keeps the alerts of the last query', () => {
    expect(run(order('authorized', 7, at), answer('PR07', '1.00'))).toMatchObject({ to: 'abandoned', alert: 'amount_mismatch' });
    expect(run(order('pending', 7, { ...at, notFoundSince: NOW - H }), answer('8901'))).toMatchObject({
      to: 'abandoned',
      alert: 'not_found_overdue',
    });
  });

  it.each([
    [{ trackedAt: NOW, deadline: NOW + 7 * DAY, trackingHorizonMs: null }, NOW + 8 * DAY],
    [{ trackedAt: NOW, deadline: NOW - 2 * H, trackingHorizonMs: null }, NOW + DAY - 2 * H],
    [{ trackedAt: NOW, deadline: NOW + 7 * DAY, trackingHorizonMs: 3 * H }, NOW + 3 * H],
    [{ trackedAt: NOW, deadline: null, trackingHorizonMs: 2 * DAY }, NOW + 2 * DAY],
    [{ trackedAt: NOW, deadline: null, trackingHorizonMs: null }, NOW + 8 * DAY],
  ])('horizonFor(%o) = %i', (p, expected) => {
    expect(horizonFor(p)).toBe(expected);
  });
});
