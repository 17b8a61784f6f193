// docs/events.schema.json: every event type of interface.md "Events" fits it as llrecon builds it, and what the
// contract forbids does not (a missing data key, a float amount, an unknown type or state). The events a whole
// test run really wrote are checked against it by test/after/event-schema.test.ts.
import { describe, expect, it } from 'vitest';
import { ORDER_STATES, eventTypeFor } from '../src/reconcile/states.js';
import { buildEvent } from '../src/store/cloud-event.js';
import { mismatchEvent, processedEvent } from '../src/settlement/events.js';
import { EVENT_SCHEMA, schemaProblems } from './support/event-schema.js';

const OID = '201408071000001539';
const order = { no_order: 'ORD-1', dt_order: '20261203101500', oid_paybill: '2026120300001234', money_order: '12.50' };
const at = Date.UTC(2026, 11, 3, 2, 15, 0);

function change(to: (typeof ORDER_STATES)[number], via: Parameters<typeof buildEvent>[0]['via'] = 'poll') {
  return JSON.parse(
    buildEvent({ oid_partner: OID, order, to, from: 'pending', ret_code: '0000', ret_msg: '交易成功', via, at, version: 3 }).json,
  ) as Record<string, unknown> & { data: Record<string, unknown> };
}

const untracked = {
  specversion: '1.0',
  id: `${OID}:ORD-1:untracked:1`,
  source: 'llrecon',
  type: 'preauth.untracked',
  subject: 'ORD-1',
  time: '2026-12-03T02:15:00.000Z',
  datacontenttype: 'application/json',
  data: { no_order: 'ORD-1', oid_partner: OID, state: 'authorized', actor: 'mei.lin', reason: 'customer cancelled by phone' },
};
const holdExpiring = {
  ...untracked,
  id: `${OID}:ORD-1:hold_expiring`,
  type: 'preauth.hold_expiring',
  data: {
    no_order: 'ORD-1',
    oid_partner: OID,
    state: 'authorized',
    dt_order: order.dt_order,
    money_order: '12.50',
    deadline: '2026-12-10T02:15:00Z',
  },
};
const item = {
  no_order: 'ORD-1',
  oid_partner: OID,
  result: 'amount_mismatch' as const,
  llrecon: { state: 'captured' as const, money_order: '12.50' },
  lianlian: { oid_paybill: '2026120300001234', money_order: '12.05', transaction_status: '0', line: 7 },
};
const counts = { matched: 10, amount_mismatch: 1, not_captured: 0, missing: 0, untracked: 0, refund: 0, other: 2 };

describe('docs/events.schema.json', () => {
  it('takes every change of state llrecon builds, with every via', () => {
    for (const state of ORDER_STATES) expect(schemaProblems(change(state)), state).toEqual([]);
    for (const via of ['poll', 'notify', 'requery', 'horizon', 'capture', 'void'] as const)
      expect(schemaProblems(change('authorized', via)), via).toEqual([]);
    const unknown = change('authorizing');
    unknown.data = { ...unknown.data, oid_paybill: null, money_order: null, ret_code: null, ret_msg: null };
    expect(schemaProblems(unknown)).toEqual([]);
  });

  it('takes preauth.untracked, preauth.hold_expiring, settlement.mismatch and settlement.processed', () => {
    expect(schemaProblems(untracked)).toEqual([]);
    expect(schemaProblems(holdExpiring)).toEqual([]);
    expect(schemaProblems(JSON.parse(mismatchEvent('20261203', item, 'abc123', at).json))).toEqual([]);
    const refund = { ...item, result: 'refund' as const, lianlian: { ...item.lianlian, money_order: '-30.00', transaction_status: '5' } };
    expect(schemaProblems(JSON.parse(mismatchEvent('20261203', refund, 'abc125', at).json))).toEqual([]);
    const neverTracked = { ...item, result: 'untracked' as const, llrecon: null };
    expect(schemaProblems(JSON.parse(mismatchEvent('20261203', neverTracked, 'abc124', at).json))).toEqual([]);
    const processed = processedEvent(
      { file: `JYMX_${OID}_20261203.txt`, oid_partner: OID, settle_date: '20261203', rows: 13, counts },
      'f'.repeat(64),
      at,
    );
    expect(schemaProblems(JSON.parse(processed.json))).toEqual([]);
  });

  it('names every event type of the contract, and each change type has its states', () => {
    const text = JSON.stringify(EVENT_SCHEMA);
    for (const type of ['preauth.untracked', 'preauth.hold_expiring', 'settlement.mismatch', 'settlement.processed'])
      expect(text).toContain(`"${type}"`);
    for (const state of ORDER_STATES) expect(text).toContain(`"${eventTypeFor(state)}"`);
  });

  it('refuses what the contract forbids', () => {
    const missingKey = change('captured');
    delete missingKey.data.oid_paybill;
    const floatMoney = change('captured');
    floatMoney.data.money_order = 12.5;
    const oneDecimal = change('captured');
    oneDecimal.data.money_order = '12.5';
    const badState = change('captured');
    badState.data.state = 'settled';
    const badType = { ...change('captured'), type: 'preauth.settled' };
    const extraKey = { ...change('captured'), extra: 1 };
    const localTime = { ...change('captured'), time: '2026-12-03 10:15:00' };
    const wrongData = { ...untracked, data: change('captured').data };
    for (const [what, e] of Object.entries({ missingKey, floatMoney, oneDecimal, badState, badType, extraKey, localTime, wrongData }))
      expect(schemaProblems(e).length, what).toBeGreaterThan(0);
  });
});
