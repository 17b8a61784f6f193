// GET /admin/orders/:no_order: the record, the merged timeline, and (for operators) the re-query form: a reason;
// the signed-in name is recorded as who asked.
import { CSRF_FIELD } from '../csrf.js';
import { html, type Html } from '../html.js';
import { entryText, type Entry } from '../order-timeline.js';
import { formatDtOrder, stateBadge, timeCell, orderHref } from './format.js';
import { layout, type SignedIn } from './layout.js';
import type { OrderRow } from './orders.js';

/** Longest reason an operator may give. */
export const REQUERY_TEXT_MAX = 200;

/** What the page shows of an order (a subset of the store's OrderRecord). */
export interface OrderDetail extends OrderRow {
  oid_partner: string;
  oid_paybill: string | null;
  pay_type: string;
  valid_order: number;
  platform: string | null;
  version: number;
  changed_at: number;
  horizon_at: number;
  deadline: number | null;
  not_found_since: number | null;
}

export interface RequeryForm {
  reason: string;
  errors: { reason?: string };
}

export interface OrderView {
  now: number;
  csrf: string;
  user?: SignedIn | null;
  order: OrderDetail;
  entries: readonly Entry[];
  /** Rejected callbacks naming the order, newest first: kept apart from its timeline. */
  rejected?: readonly Entry[];
  form: RequeryForm;
  /** A note after a re-query was queued. */
  flash: string | null;
  /** The capture/void card (pages/order-actions.ts), when the engine has actions. */
  actions?: Html | null;
}

const VIA: Record<string, string> = {
  poll: 'routine poll',
  notify: 'confirmed after a verified callback',
  requery: 're-query',
  horizon: 'tracking horizon passed',
};

const OUTCOME: Record<string, string> = {
  change: 'state changed',
  same: 'no change',
  retry: 'LianLian asked to retry',
  not_found: 'no record at LianLian yet',
  config: 'LianLian reports a configuration error',
  unknown: 'unknown return code',
  failure: 'no answer (network, timeout, HTTP error)',
  untrusted: 'answer rejected: bad or missing signature',
};

const muted = (t: string) => html`<span class="muted">${t}</span>`;
const opt = (t: string | null) => (t === null ? muted('—') : t);

function describe(e: Entry): { label: string; what: Html } {
  const t = (n: string) => entryText(e, n);
  switch (e.kind) {
    case 'tracked':
      return {
        label: 'tracked',
        what: html`Tracking
        started${t('actor') ? html` by <strong>${t('actor')}</strong>` : null}${t('source') ? muted(` (${t('source')})`) : null}`,
      };
    case 'change':
      return {
        label: 'change',
        what: html`${t('from') ? stateBadge(t('from') as string) : null} → ${stateBadge(t('to') ?? t('state') ?? '?')}
        ${t('ret_code') ? html` <code>${t('ret_code')}</code> ${muted(t('ret_msg') ?? '')}` : null}
        ${t('via') ? html`<div class="small muted">${VIA[t('via') as string] ?? t('via')}</div>` : null}`,
      };
    case 'action':
      return {
        label: 'operator',
        what: html`<strong>${t('action') ?? 'action'}</strong> by
          <strong>${t('actor') ?? '?'}</strong>${t('reason') ? html`: ${t('reason')}` : null}`,
      };
    case 'query':
      return {
        label: 'query',
        what: html`Query → ${t('ret_code') ? html`<code>${t('ret_code')}</code>` : muted('no answer')}
        ${t('outcome') ? muted(` · ${OUTCOME[t('outcome') as string] ?? t('outcome')}`) : null}${t('ms') ? muted(` · ${t('ms')} ms`) : null}`,
      };
    case 'callback':
      return {
        label: 'callback',
        what: html`Callback
          <span class="badge v-${t('verdict') ?? 'x'}">${t('verdict') ?? '?'}</span>${t('reason') ? muted(` ${t('reason')}`) : null}`,
      };
    default:
      return { label: e.kind, what: muted(JSON.stringify(e)) };
  }
}

function timeline(v: OrderView): Html {
  if (v.entries.length === 0) return html`<div class="empty">Nothing recorded yet.</div>`;
  return html`<table class="timeline">
    <thead>
      <tr>
        <th>When (UTC+8)</th>
        <th>Kind</th>
        <th>What happened</th>
      </tr>
    </thead>
    <tbody>
      ${v.entries.map((e) => {
        const d = describe(e);
        return html`<tr>
          <td class="nowrap">${timeCell(e.at, v.now)}</td>
          <td><span class="badge k-${e.kind}">${d.label}</span></td>
          <td>${d.what}</td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

/** Rejected callbacks naming the order (anyone can name any order): shown apart from what the order did. */
function rejectedCallbacks(v: OrderView): Html {
  const rows = v.rejected ?? [];
  if (rows.length === 0) return html`<div class="empty">None.</div>`;
  return html`<table class="timeline">
    <tbody>
      ${rows.map(
        (e) =>
          html`<tr>
            <td class="nowrap">${timeCell(e.at, v.now)}</td>
            <td>${describe(e).what}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function record(o: OrderDetail, now: number): Html {
  const rows: Array<[string, Html | string]> = [
    ['State', html`${stateBadge(o.state)}${o.final ? muted(' final') : null}`],
    ['Last code', o.ret_code ? html`<code>${o.ret_code}</code> ${o.ret_msg ?? ''}` : muted('no answer yet')],
    ['Amount', opt(o.money_order)],
    ['Order time', html`${formatDtOrder(o.dt_order)} ${muted('UTC+8')}`],
    ['Merchant', html`<span class="mono">${o.oid_partner}</span>`],
    ['LianLian bill', o.oid_paybill ? html`<span class="mono">${o.oid_paybill}</span>` : muted('—')],
    ['Pay type', o.pay_type],
    ['Valid for', `${o.valid_order} min`],
    ['Platform', opt(o.platform)],
    ['Polls', String(o.polls)],
    ['Next poll', o.final ? muted('none (final)') : timeCell(o.next_poll_at, now)],
    ['Tracked since', timeCell(o.tracked_at, now)],
    ['Last change', timeCell(o.changed_at, now)],
    ['Hold deadline', timeCell(o.deadline, now)],
    ['Tracking horizon', timeCell(o.horizon_at, now)],
    ['No record since', timeCell(o.not_found_since, now)],
  ];
  return html`<dl class="record">
    ${rows.map(
      ([k, val]) =>
        html`<dt>${k}</dt>
          <dd>${val}</dd>`,
    )}
  </dl>`;
}

function requeryForm(v: OrderView): Html {
  const f = v.form;
  if (v.user?.role === 'viewer') return html`<p class="muted">Viewers read; an operator can re-query this order.</p>`;
  return html`<form method="post" action="${orderHref(v.order.no_order)}/requery">
    <input type="hidden" name="${CSRF_FIELD}" value="${v.csrf}" />
    <div class="field">
      <label for="reason">Reason</label>
      <textarea id="reason" name="reason" rows="3" required maxlength="${REQUERY_TEXT_MAX}">${f.reason}</textarea>
      ${f.errors.reason ? html`<div class="error">${f.errors.reason}</div>` : null}
    </div>
    <button class="primary" type="submit">Re-query now</button>
    <p class="small muted">
      Asks LianLian about this order now, ahead of routine
      polls${v.order.final ? ' (a final order changes only if LianLian now says otherwise)' : ''}. Your reason is kept in its history, under
      ${v.user ? html`your name, <strong>${v.user.name}</strong>` : 'your name'}.
    </p>
  </form>`;
}

export function orderPage(v: OrderView): Html {
  const o = v.order;
  return layout({
    title: `Order ${o.no_order}`,
    section: 'orders',
    csrf: v.csrf,
    user: v.user ?? null,
    body: html`<div class="crumbs"><a href="/admin/orders">Orders</a> /</div>
      <h1><span class="mono">${o.no_order}</span> ${stateBadge(o.state)}</h1>
      <p class="sub">
        ${o.final ? 'Final: no longer polled.' : 'Being polled.'}
        ${o.state === 'abandoned' ? 'Needs a person: check it in LianLian\u2019s merchant portal.' : ''}
      </p>
      ${v.flash ? html`<div class="callout ok" role="status"><div class="grow">${v.flash}</div></div>` : null}
      <div class="grid">
        <div>
          <div class="card">
            <h2>Timeline</h2>
            ${timeline(v)}
          </div>
          <div class="card">
            <h2>Rejected callbacks naming this order</h2>
            <p class="small muted">Callbacks that did not verify or did not match the order; they changed nothing.</p>
            ${rejectedCallbacks(v)}
          </div>
        </div>
        <div>
          <div class="card">
            <h2>Record</h2>
            ${record(o, v.now)}
          </div>
          ${v.actions ?? null}
          <div class="card">
            <h2>Re-query</h2>
            ${requeryForm(v)}
          </div>
        </div>
      </div>`,
  });
}
