// What the run sends to llrecon's API process: orders to track, and callbacks that LianLian did not sign.
import { setTimeout as sleep } from 'node:timers/promises';
import { importPrivateKey } from '../src/lianlian/keys.js';
import { signedBody } from '../src/sandbox/answers.js';
import { retMsgFor } from '../src/sandbox/messages.js';
import { CHAOS_USER_ID } from './actions.js';
import type { ChaosOrder } from './orders.js';

/**
 * POSTs to the API process until it answers 2xx, and returns the parsed answer. While Redis is away the API
 * answers 5xx or not at all: that is retried every 500 ms until `untilMs` (epoch); a 4xx is a broken run.
 */
export async function postUntilAccepted(url: string, body: string, token: string | null, untilMs: number): Promise<unknown> {
  for (;;) {
    let res: Response | null = null;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body,
        signal: AbortSignal.timeout(30_000),
      });
    } catch {
      // refused, reset or timed out: tried again below
    }
    if (res) {
      const text = await res.text().catch(() => '');
      if (res.ok) return JSON.parse(text) as unknown;
      if (res.status < 500) throw new Error(`chaos: POST ${url} answered ${res.status}: ${text.slice(0, 300)}`);
    }
    if (Date.now() > untilMs) throw new Error(`chaos: POST ${url} was not accepted in time`);
    await sleep(500);
  }
}

/**
 * POSTs a callback until llrecon answers it: `queued` (2xx), or `refused` when it answers 400 (a callback that does
 * not verify may be refused at the door, never queued: interface.md). 5xx, 429 and no answer are tried again.
 */
export async function postCallback(url: string, body: string, untilMs: number): Promise<'queued' | 'refused'> {
  for (;;) {
    let status = 0;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(30_000),
      });
      status = res.status;
      await res.text().catch(() => '');
    } catch {
      // refused, reset or timed out: tried again below
    }
    if (status >= 200 && status < 300) return 'queued';
    if (status === 400) return 'refused';
    if (status !== 0 && status < 500 && status !== 429) throw new Error(`chaos: POST ${url} answered ${status}`);
    if (Date.now() > untilMs) throw new Error(`chaos: POST ${url} was not answered in time`);
    await sleep(500);
  }
}

/** POST /orders of a batch; resolves with the orders llrecon now tracks (accepted, or duplicates of a retry). */
export async function trackBatch(apiUrl: string, token: string, batch: readonly ChaosOrder[], untilMs: number): Promise<string[]> {
  const body = JSON.stringify({
    orders: batch.map((o) => ({ no_order: o.no_order, dt_order: o.dt_order, money_order: o.money_order, user_id: CHAOS_USER_ID })),
  });
  const r = (await postUntilAccepted(`${apiUrl}/orders`, body, token, untilMs)) as { accepted: string[]; duplicates: string[] };
  return [...r.accepted, ...r.duplicates];
}

/** The card number the forged callbacks carry (card data rides in some callbacks): it must never reach a log. */
export const CHAOS_CARD_NO = '6222021234567890123';

/**
 * A notification for `o` claiming `code`, well-formed (carrying a card number, as some do) but signed with
 * `strangerPem`, a key that is not LianLian's.
 */
export function forgedNotification(o: ChaosOrder, oidPartner: string, code: string, strangerPem: string): string {
  const fields: Record<string, string> = {
    oid_partner: oidPartner,
    no_order: o.no_order,
    dt_order: o.dt_order,
    oid_paybill: o.oid_paybill,
    money_order: o.money_order,
    result_pay: 'SUCCESS',
    settle_date: o.dt_order.slice(0, 8),
    info_order: retMsgFor(code),
    pay_type: 'F',
    bank_code: '03080000',
    card_no: CHAOS_CARD_NO,
  };
  return signedBody(fields, importPrivateKey(strangerPem, 'chaos stranger key'));
}
