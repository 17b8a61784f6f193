// The ret_code table: every code of protocol §3–4 with its class, state and finality; unknown codes; and the
// state/event-type facts the table feeds (interface.md "Order states", "Events").
import { describe, expect, it } from 'vitest';
import { RET_CODES, classifyRetCode } from '../src/reconcile/return-codes.js';
import {
  EVENT_TYPES,
  FINAL_STATES,
  ORDER_STATES,
  eventTypeFor,
  isFinalState,
  isOrderState,
  type OrderState,
} from '../src/reconcile/states.js';

const STATE_CODES: ReadonlyArray<[string, OrderState, boolean]> = [
  ['2003', 'created', false],
  ['PR08', 'verifying', false],
  ['PR09', 'authorizing', false],
  ['PR07', 'authorized', false],
  ['PR10', 'auth_failed', true],
  ['PR12', 'capturing', false],
  ['PR11', 'captured', true],
  ['PR13', 'capture_failed', false],
  ['PR15', 'voiding', false],
  ['PR14', 'voided', true],
  ['PR16', 'void_failed', false],
  ['2006', 'expired', true],
];
const RETRY = ['1003', '1007', '2005', '2008', '9000', '9902', '9903', '9970', '9990', '9991', '9999', '9002'];
const NOT_FOUND = ['8901', '5002', '9093'];
const CONFIG = ['1001', '1004', '1008', '1009', '1012', '3001', '3010', '9901'];
const KNOWN_UNKNOWN = ['0000', '8888'];
const WRONG_PAYBILL = ['9092'];

describe('classifyRetCode', () => {
  it.each(STATE_CODES)('%s is the state %s (final: %s)', (code, state, final) => {
    expect(classifyRetCode(code)).toMatchObject({ code, class: 'state', state, final });
    expect(isFinalState(state)).toBe(final);
  });

  it.each(RETRY)('%s: query again later', (code) => {
    expect(classifyRetCode(code)).toMatchObject({ code, class: 'retry', state: null, final: false });
  });

  it.each(NOT_FOUND)('%s: no record', (code) => {
    expect(classifyRetCode(code)).toMatchObject({ code, class: 'not_found', state: null, final: false });
  });

  it.each(CONFIG)('%s: our configuration is wrong', (code) => {
    expect(classifyRetCode(code)).toMatchObject({ code, class: 'config', state: null, final: false });
  });

  it.each(KNOWN_UNKNOWN)('%s is known but tells nothing about the order: unknown', (code) => {
    const info = classifyRetCode(code);
    expect(info).toMatchObject({ code, class: 'unknown', state: null, final: false });
    expect(info.meaning).not.toBe('unknown code');
  });

  it('8888 (SMS sent) is not "not found"', () => {
    expect(classifyRetCode('8888').meaning).toMatch(/SMS/);
  });

  it.each(['', '0001', 'PR17', 'pr07', ' PR07', 'PR07 ', '2003\n', '99999', 'null'])('%j is unknown, never a state', (code) => {
    expect(classifyRetCode(code)).toEqual({ code, class: 'unknown', state: null, final: false, meaning: 'unknown code' });
  });
});

describe('RET_CODES', () => {
  it('holds exactly the codes of protocol §3–4, each once, each with a meaning', () => {
    const expected = [...STATE_CODES.map(([c]) => c), ...RETRY, ...NOT_FOUND, ...CONFIG, ...KNOWN_UNKNOWN, ...WRONG_PAYBILL];
    expect(RET_CODES.map((r) => r.code).sort()).toEqual([...expected].sort());
    for (const row of RET_CODES) {
      expect(row.meaning.length).toBeGreaterThan(0);
      expect(classifyRetCode(row.code)).toBe(row);
    }
  });

  it('maps every state LianLian can report, and only those, to exactly one code', () => {
    const reported = RET_CODES.filter((r) => r.class === 'state').map((r) => r.state);
    expect(new Set(reported).size).toBe(reported.length);
    expect([...reported].sort()).toEqual(ORDER_STATES.filter((s) => s !== 'pending' && s !== 'abandoned').sort());
  });

  it('cannot be changed by a caller', () => {
    const row = classifyRetCode('PR07');
    expect(() => {
      (row as { state: string }).state = 'captured';
    }).toThrow(TypeError);
    expect(classifyRetCode('PR07').state).toBe('authorized');
  });
});

describe('states and event types', () => {
  it("final states are the contract's five", () => {
    expect([...FINAL_STATES].sort()).toEqual(['abandoned', 'auth_failed', 'captured', 'expired', 'voided']);
    expect(ORDER_STATES.filter(isFinalState).sort()).toEqual([...FINAL_STATES].sort());
  });

  it('isOrderState accepts the fourteen states and nothing else', () => {
    expect(ORDER_STATES).toHaveLength(14);
    for (const s of ORDER_STATES) expect(isOrderState(s)).toBe(true);
    for (const x of ['', 'Authorized', 'settled', 'toString', '__proto__', null, undefined, 7, ['pending']])
      expect(isOrderState(x)).toBe(false);
  });

  it.each([
    ['authorized', 'preauth.authorized'],
    ['captured', 'preauth.captured'],
    ['voided', 'preauth.voided'],
    ['expired', 'preauth.expired'],
    ['auth_failed', 'preauth.failed'],
    ['capture_failed', 'preauth.capture_failed'],
    ['void_failed', 'preauth.void_failed'],
    ['abandoned', 'preauth.abandoned'],
    ['created', 'preauth.updated'],
    ['verifying', 'preauth.updated'],
    ['authorizing', 'preauth.updated'],
    ['capturing', 'preauth.updated'],
    ['voiding', 'preauth.updated'],
  ] as const)('a change into %s is %s', (state, type) => {
    expect(eventTypeFor(state)).toBe(type);
  });

  it('every event type is produced by some state', () => {
    expect(new Set(ORDER_STATES.map(eventTypeFor))).toEqual(new Set(EVENT_TYPES));
  });
});
