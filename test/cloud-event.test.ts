// The CloudEvent of a change of state, exactly as interface.md "Events" describes it. Pure: no Redis.
import { describe, expect, it } from 'vitest';
import type { OrderState } from '../src/reconcile/states.js';
import { buildEvent, type EventInput } from '../src/store/cloud-event.js';

const OID = '201408071000001543';

function input(overrides: Partial<EventInput> = {}): EventInput {
  return {
    oid_partner: OID,
    order: { no_order: 'ORD-1', dt_order: '20250115100000', oid_paybill: '2025011500012345', money_order: '128.50' },
    to: 'authorized',
    from: 'pending',
    ret_code: 'PR07',
    ret_msg: '预授权成功',
    via: 'poll',
    at: Date.UTC(2025, 0, 15, 2, 0, 1, 234),
    version: 1,
    ...overrides,
  };
}

describe('buildEvent', () => {
  it('builds a CloudEvents 1.0 object with every data key', () => {
    const e = buildEvent(input());
    expect(e.type).toBe('preauth.authorized');
    expect(e.id).toBe(`${OID}:ORD-1:1:authorized`);
    expect(JSON.parse(e.json)).toEqual({
      specversion: '1.0',
      id: `${OID}:ORD-1:1:authorized`,
      source: 'llrecon',
      type: 'preauth.authorized',
      subject: 'ORD-1',
      time: '2025-01-15T02:00:01.234Z',
      datacontenttype: 'application/json',
      data: {
        no_order: 'ORD-1',
        oid_partner: OID,
        oid_paybill: '2025011500012345',
        dt_order: '20250115100000',
        money_order: '128.50',
        ret_code: 'PR07',
        ret_msg: '预授权成功',
        state: 'authorized',
        previous_state: 'pending',
        via: 'poll',
      },
    });
  });

  it('keeps unknown values as null, never leaving a key out', () => {
    const e = buildEvent(
      input({
        order: { no_order: 'ORD-2', dt_order: '20250115100000', oid_paybill: null, money_order: null },
        to: 'abandoned',
        from: 'authorized',
        ret_code: null,
        ret_msg: null,
        via: 'horizon',
      }),
    );
    const data = (JSON.parse(e.json) as { data: Record<string, unknown> }).data;
    expect(data).toEqual({
      no_order: 'ORD-2',
      oid_partner: OID,
      oid_paybill: null,
      dt_order: '20250115100000',
      money_order: null,
      ret_code: null,
      ret_msg: null,
      state: 'abandoned',
      previous_state: 'authorized',
      via: 'horizon',
    });
    expect(e.type).toBe('preauth.abandoned');
  });

  it('gives the same change the same id and JSON, and another version, merchant or state another id', () => {
    expect(buildEvent(input())).toEqual(buildEvent(input()));
    // the same version made differently (after Redis lost its last second) is another change: another id
    expect(buildEvent(input({ to: 'captured' })).id).toBe(`${OID}:ORD-1:1:captured`);
    expect(buildEvent(input({ version: 2 })).id).toBe(`${OID}:ORD-1:2:authorized`);
    expect(buildEvent(input({ oid_partner: '201408071000009999' })).id).toBe('201408071000009999:ORD-1:1:authorized');
  });

  it('names the type after the state entered, in-between states being preauth.updated', () => {
    const table: Array<[OrderState, string]> = [
      ['created', 'preauth.updated'],
      ['verifying', 'preauth.updated'],
      ['authorizing', 'preauth.updated'],
      ['authorized', 'preauth.authorized'],
      ['auth_failed', 'preauth.failed'],
      ['capturing', 'preauth.updated'],
      ['captured', 'preauth.captured'],
      ['capture_failed', 'preauth.capture_failed'],
      ['voiding', 'preauth.updated'],
      ['voided', 'preauth.voided'],
      ['void_failed', 'preauth.void_failed'],
      ['expired', 'preauth.expired'],
      ['abandoned', 'preauth.abandoned'],
    ];
    for (const [to, type] of table) {
      const e = buildEvent(input({ to }));
      expect([to, e.type, (JSON.parse(e.json) as { type: string }).type]).toEqual([to, type, type]);
    }
  });
});
