// The careful half of callback handling: check a queued LianLian callback and, when it is genuine and
// matches our record, make the order's query run now. A callback never writes an order's state itself.
import type { EngineContext } from '../engine-context.js';
import { moneyEquals } from '../lianlian/money.js';
import { readAsyncNotification, readReturnNotification, type Notification } from '../lianlian/web-payment.js';
import { callbackLogEntry } from './callback-log.js';
import { notifyJobId } from './intake.js';
import type { NotifyJobData } from '../queues/names.js';
import { NOTIFY_DEDUP_SECONDS } from '../queues/queues.js';
import { requestConfirm } from '../poll/request-confirm.js';

export type NotifyVerdict = { verdict: 'accepted' | 'untracked' | 'rejected'; reason: string; no_order: string | null };

function readCallback(ctx: EngineContext, data: NotifyJobData): Notification | null {
  try {
    if (data.kind === 'async') return readAsyncNotification(data.raw, ctx.lianlianKey);
    const form = JSON.parse(data.raw) as Record<string, string>;
    return readReturnNotification(form, ctx.lianlianKey);
  } catch {
    return null;
  }
}

/**
 * Check one callback and act on it; returns what was decided (also the job's return value). The verdict is
 * written (timeline, operators' log), logged and counted once per callback, even when its job runs again after
 * a worker died mid-way; a verified one asks for its confirming query every time (that request is idempotent).
 */
export async function handleCallback(ctx: EngineContext, data: NotifyJobData): Promise<NotifyVerdict> {
  const n = readCallback(ctx, data);
  // an unverified body may carry anything: keep what is logged and stored of it short
  const noOrder = n?.no_order?.slice(0, 64) ?? null;
  // (the timeline entry is added only when noOrder names a tracked order: the script checks)
  const note = (verdict: NotifyVerdict['verdict'], reason: string): Promise<boolean> =>
    ctx.store.noteCallback({
      id: notifyJobId(data.kind, data.raw),
      noOrder,
      entry: { at: ctx.now(), kind: 'callback', verdict, reason },
      kept:
        verdict === 'accepted'
          ? null
          : callbackLogEntry(ctx.ks, {
              at: ctx.now(),
              kind: data.kind,
              verdict,
              reason,
              no_order: noOrder,
              oid_partner: n?.oid_partner ?? null,
              money_order: n?.money_order ?? null,
              signString: n?.signString.slice(0, 4096) ?? null,
            }),
      markerMs: NOTIFY_DEDUP_SECONDS * 1000,
    });
  const reject = async (reason: string): Promise<NotifyVerdict> => {
    if (await note('rejected', reason)) {
      ctx.metrics.callbacks.inc({ verdict: 'rejected', reason });
      ctx.metrics.alerts.inc({ kind: 'callback_rejected' });
      ctx.log.warn({ no_order: noOrder, kind: data.kind, reason }, 'callback rejected: changes nothing');
      if (reason === 'amount_mismatch') {
        ctx.metrics.alerts.inc({ kind: 'amount_mismatch' });
        ctx.log.error({ no_order: noOrder }, 'callback amount differs from the tracked order: rejected');
      }
    }
    return { verdict: 'rejected', reason, no_order: noOrder };
  };

  if (!n) return reject('unparseable');
  if (!n.valid) return reject(n.reason === 'ok' ? 'invalid' : n.reason);
  if (n.oid_partner !== ctx.oidPartner) return reject('other_merchant');
  if (!noOrder) return reject('no_order_missing');

  const order = await ctx.store.get(noOrder);
  if (!order) {
    if (await note('untracked', 'untracked')) {
      ctx.metrics.callbacks.inc({ verdict: 'untracked', reason: 'untracked' });
      ctx.log.warn({ no_order: noOrder }, 'verified callback for an order llrecon does not track: kept for operators');
    }
    return { verdict: 'untracked', reason: 'untracked', no_order: noOrder };
  }
  if (n.money_order && order.money_order && !moneyEquals(n.money_order, order.money_order)) return reject('amount_mismatch');
  if (n.dt_order && n.dt_order !== order.dt_order) return reject('dt_order_mismatch');

  if (await note('accepted', 'verified')) ctx.metrics.callbacks.inc({ verdict: 'accepted', reason: 'verified' });
  // a hint only: confirm by query at once; a final order stays as it is
  if (!order.final) await requestConfirm(ctx, noOrder, 'notify');
  return { verdict: 'accepted', reason: 'verified', no_order: noOrder };
}
