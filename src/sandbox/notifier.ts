// The simulator's asynchronous notifications: a signed JSON POST to the order's notify_url, resent every
// interval until the merchant answers ret_code 0000, at most a fixed number of times (LianLian: 2 min, 30).
import { formatLianLianTime } from '../lianlian/time.js';
import { retMsgFor } from './messages.js';
import type { SimOrder } from './orders.js';

/** How long one delivery attempt may take (LianLian expects the answer within 5 s). */
const ATTEMPT_TIMEOUT_MS = 5_000;
const SUCCESS = new Set(['0000', 'PR07', 'PR11', 'PR14']);
const FAILURE = new Set(['2006', 'PR10', 'PR13', 'PR16']);

/**
 * The unsigned fields of the notification that `order` entered `code` (protocol §5). `info_order` carries the
 * code's Chinese message, so the notifications of one order's successive codes differ; resends of one are
 * byte-identical.
 */
export function notificationFields(order: SimOrder, code: string, nowMs: number): Record<string, string> {
  return {
    oid_partner: order.oid_partner,
    sign_type: 'RSA',
    no_order: order.no_order,
    dt_order: order.dt_order,
    oid_paybill: order.oid_paybill,
    money_order: order.money_order,
    result_pay: SUCCESS.has(code) ? 'SUCCESS' : FAILURE.has(code) ? 'FAILURE' : 'PROCESSING',
    settle_date: formatLianLianTime(nowMs).slice(0, 8),
    info_order: retMsgFor(code),
    pay_type: 'F',
    bank_code: '03080000',
    no_agree: order.no_agree,
  };
}

/** Whether a merchant's answer acknowledges the notification: a JSON object with `ret_code` "0000". */
function acknowledges(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && (v as Record<string, unknown>).ret_code === '0000';
  } catch {
    return false;
  }
}

/** Delivers notifications with LianLian's resend policy. Timers are unref'd; {@link Notifier.stop} ends all. */
export class Notifier {
  private readonly counts = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<AbortController>();
  private stopped = false;

  constructor(private readonly opts: { intervalMs: number; maxAttempts: number }) {}

  /**
   * Sends `body` to `url` now and, until acknowledged, again every interval up to the attempt limit.
   * Resolves with whether the first attempt was acknowledged; resends go on in the background.
   */
  deliver(no_order: string, url: string, body: string): Promise<boolean> {
    return new Promise((resolve) => {
      let attempt = 0;
      const run = async (): Promise<void> => {
        if (this.stopped) return resolve(false);
        attempt += 1;
        this.counts.set(no_order, (this.counts.get(no_order) ?? 0) + 1);
        const acked = await this.post(url, body);
        if (attempt === 1) resolve(acked);
        if (acked || attempt >= this.opts.maxAttempts || this.stopped) return;
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          void run();
        }, this.opts.intervalMs);
        timer.unref();
        this.timers.add(timer);
      };
      void run();
    });
  }

  /** Delivery attempts made so far for an order (first sends and resends). */
  attempts(no_order: string): number {
    return this.counts.get(no_order) ?? 0;
  }

  /** Cancels every pending resend and in-flight attempt; nothing is sent afterwards. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const c of this.inFlight) c.abort();
    this.inFlight.clear();
  }

  private async post(url: string, body: string): Promise<boolean> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timer = setTimeout(() => controller.abort(), ATTEMPT_TIMEOUT_MS);
    timer.unref();
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'text/json;charset=utf-8' },
        body,
        signal: controller.signal,
      });
      return acknowledges(await res.text());
    } catch {
      return false; // refused, reset, timed out: LianLian just tries again later
    } finally {
      clearTimeout(timer);
      this.inFlight.delete(controller);
    }
  }
}
