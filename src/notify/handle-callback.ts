// The careful half of callback handling: check a queued LianLian callback and, when it is genuine and
// matches our record, make the order's query run now. A callback never writes an order's state itself.
// The door (door.ts) queues only callbacks that verify; this check stays the authoritative one (the key may have
// changed between the two, and embedding programs queue through Engine.acceptNotification directly).
import type { EngineContext } from '../engine-context.js';
import { moneyEquals } from '../lianlian/money.js';
import { readAsyncNotification, readReturnNotification, type Notification } from '../lianlian/web-payment.js';
import { untrustedText } from '../untrusted-text.js';
import { callbackLogEntry } from './callback-log.js';
import { notifyJobId } from './intake.js';
import type { NotifyJobData } from '../queues/names.js';
import { NOTIFY_DEDUP_SECONDS } from '../queues/queues.js';
import { requestConfirm } from '../poll/request-confirm.js';
import { untrackedAt } from '../poll/untrack.js';

/** What a `no_order` can be: printable ASCII, at most 64 characters. */
export const ORDER_NUMBER_RE = /^[\x21-\x7e]{1,64}$/;

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
 * written (operators' log; a rejected one naming a tracked order in that order's own list, never its timeline),
 * logged and counted once per signed content, even when its job runs again after a worker died mid-way. A
 * verified one asks for its confirming query (coalesced per order) before its verdict is written, so that a job
 * run again after a crash in between still asks; none for an order already final but `abandoned`.
 */
export async function handleCallback(ctx: EngineContext, data: NotifyJobData): Promise<NotifyVerdict> {
  const n = readCallback(ctx, data);
  const verified = n !== null && n.valid && n.oid_partner === ctx.oidPartner;
  // an unverified body may carry anything: what is logged and stored of it is scrubbed and short
  const noOrder = verified ? (n.no_order?.slice(0, 64) ?? null) : untrustedText(n?.no_order);
  // an unverified one's order as sent, when it can be an order number (the script writes only for a tracked order)
  const named = typeof n?.no_order === 'string' && ORDER_NUMBER_RE.test(n.no_order) ? n.no_order : null;
  const note = (verdict: NotifyVerdict['verdict'], reason: string): Promise<boolean> =>
    ctx.store.noteCallback({
      id: notifyJobId(data.kind, data.raw),
      noOrder: verified ? noOrder : named,
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
              oid_partner: verified ? n.oid_partner : untrustedText(n?.oid_partner, 32),
              money_order: verified ? n.money_order : untrustedText(n?.money_order, 32),
              signString: verified ? n.signString.slice(0, 4096) : untrustedText(n?.signString, 512),
            }),
      markerMs: NOTIFY_DEDUP_SECONDS * 1000,
      // strangers' callbacks never push out an order's queries and answers
      apart: verdict === 'rejected',
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

  // a hint only: confirm by query at once; a final order stays as it is, except `abandoned` (llrecon's own verdict,
  // which a later signed final code replaces); an order an operator untracked is queried no more
  const wanted = !order.final || order.state === 'abandoned';
  if (wanted && (await untrackedAt(ctx, noOrder)) === null) await requestConfirm(ctx, noOrder, 'notify');
  if (await note('accepted', 'verified')) ctx.metrics.callbacks.inc({ verdict: 'accepted', reason: 'verified' });
  return { verdict: 'accepted', reason: 'verified', no_order: noOrder };
}
