// GET /admin/orders/:no_order: the record, the merged timeline, and (for operators) the re-query form: a reason;
// the signed-in name is recorded as who asked.
import { CSRF_FIELD } from '../csrf.js';
import { html, type Html } from '../html.js';
import { label, type Locale, type Messages } from '../i18n/index.js';
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
  locale: Locale;
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

const muted = (t: string) => html`<span class="muted">${t}</span>`;
const opt = (t: string | null) => (t === null ? muted('—') : t);
const strong = (t: string) => html`<strong>${t}</strong>`;
/** A person's name (data, as it was given: never translated). */
const who = (t: string) => html`<strong class="data">${t}</strong>`;

function describe(e: Entry, m: Messages): { label: string; what: Html } {
  const t = (n: string) => entryText(e, n);
  const kind = label(m.kinds, e.kind);
  switch (e.kind) {
    case 'tracked':
      return {
        label: kind,
        what: html`${m.trackingStarted(t('actor') ? who(t('actor') as string) : null)}${t('source') ? html` <span class="muted data">(${t('source')})</span>` : null}`,
      };
    case 'change':
      return {
        label: kind,
        what: html`${t('from') ? stateBadge(t('from') as string, m) : null} → ${stateBadge(t('to') ?? t('state') ?? '?', m)}
        ${t('ret_code') ? html` <code>${t('ret_code')}</code> <span class="muted ret-msg">${t('ret_msg') ?? ''}</span>` : null}
        ${t('via') ? html`<div class="small muted">${label(m.via, t('via') as string)}</div>` : null}`,
      };
    case 'action':
      return {
        label: kind,
        what: html`${m.actionBy(strong(t('action') ? label(m.actions, t('action') as string) : '?'), who(t('actor') ?? '?'))}${
          t('reason') ? html`: <span class="data">${t('reason')}</span>` : null
        }`,
      };
    case 'query':
      return {
        label: kind,
        what: html`${m.queryArrow} ${t('ret_code') ? html`<code>${t('ret_code')}</code>` : muted(m.noAnswer)}
        ${t('outcome') ? muted(` · ${label(m.outcomes, t('outcome') as string)}`) : null}${t('ms') ? muted(` · ${t('ms')} ms`) : null}`,
      };
    case 'callback':
      return {
        label: kind,
        what: html`${m.callbackWord} <span class="badge v-${t('verdict') ?? 'x'}">${label(m.verdicts, t('verdict') ?? '?')}</span>${
            t('reason') ? html` <span class="muted" title="${t('reason')}">${label(m.cbReasons, t('reason') as string)}</span>` : null
          }`,
      };
    default:
      return { label: e.kind, what: muted(JSON.stringify(e)) };
  }
}

function timeline(v: OrderView): Html {
  const t = v.locale.t;
  if (v.entries.length === 0) return html`<div class="empty">${t.nothingRecorded}</div>`;
  return html`<table class="timeline">
    <thead>
      <tr>
        <th>${t.colWhen}</th>
        <th>${t.colKind}</th>
        <th>${t.colWhat}</th>
      </tr>
    </thead>
    <tbody>
      ${v.entries.map((e) => {
        const d = describe(e, t);
        return html`<tr>
          <td class="nowrap">${timeCell(e.at, v.now, t)}</td>
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
  const t = v.locale.t;
  if (rows.length === 0) return html`<div class="empty">${t.noneYet}</div>`;
  return html`<table class="timeline">
    <tbody>
      ${rows.map(
        (e) =>
          html`<tr>
            <td class="nowrap">${timeCell(e.at, v.now, t)}</td>
            <td>${describe(e, t).what}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function record(o: OrderDetail, now: number, t: Messages): Html {
  const rows: Array<[string, Html | string]> = [
    [t.fState, html`${stateBadge(o.state, t)}${o.final ? muted(` ${t.final}`) : null}`],
    [t.fLastCode, o.ret_code ? html`<code>${o.ret_code}</code> <span class="ret-msg">${o.ret_msg ?? ''}</span>` : muted(t.noAnswerYet)],
    [t.fAmount, opt(o.money_order)],
    [t.fOrderTime, html`${formatDtOrder(o.dt_order)} ${muted('UTC+8')}`],
    [t.fMerchant, html`<span class="mono">${o.oid_partner}</span>`],
    [t.fBill, o.oid_paybill ? html`<span class="mono">${o.oid_paybill}</span>` : muted('—')],
    [t.fPayType, html`<code>${o.pay_type}</code>`],
    [t.fValidFor, t.minutes(o.valid_order)],
    [t.fPlatform, o.platform === null ? muted('—') : html`<code>${o.platform}</code>`],
    [t.fPolls, String(o.polls)],
    [t.fNextPoll, o.final ? muted(t.noneFinal) : timeCell(o.next_poll_at, now, t)],
    [t.fTrackedSince, timeCell(o.tracked_at, now, t)],
    [t.fLastChange, timeCell(o.changed_at, now, t)],
    [t.fHoldDeadline, timeCell(o.deadline, now, t)],
    [t.fHorizon, timeCell(o.horizon_at, now, t)],
    [t.fNoRecordSince, timeCell(o.not_found_since, now, t)],
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
  const t = v.locale.t;
  if (v.user?.role === 'viewer') return html`<p class="muted">${t.viewersRead}</p>`;
  return html`<form method="post" action="${orderHref(v.order.no_order)}/requery">
    <input type="hidden" name="${CSRF_FIELD}" value="${v.csrf}" />
    <div class="field">
      <label for="reason">${t.reasonLabel}</label>
      <textarea id="reason" name="reason" rows="3" required maxlength="${REQUERY_TEXT_MAX}">${f.reason}</textarea>
      ${f.errors.reason ? html`<div class="error">${reasonError(f, t)}</div>` : null}
    </div>
    <button class="primary" type="submit">${t.requeryNow}</button>
    <p class="small muted">${t.requeryHelp(v.order.final, v.user ? who(v.user.name) : null)}</p>
  </form>`;
}

/** The re-query form's error in the page's language. */
function reasonError(f: RequeryForm, t: Messages): string {
  return f.reason.length > REQUERY_TEXT_MAX ? t.reasonTooLong(REQUERY_TEXT_MAX, f.reason.length) : t.reasonEmpty;
}

export function orderPage(v: OrderView): Html {
  const o = v.order;
  const t = v.locale.t;
  return layout({
    locale: v.locale,
    title: t.orderTitle(o.no_order),
    section: 'orders',
    csrf: v.csrf,
    user: v.user ?? null,
    body: html`<div class="crumbs"><a href="/admin/orders">${t.navOrders}</a> /</div>
      <h1><span class="mono">${o.no_order}</span> ${stateBadge(o.state, t)}</h1>
      <p class="sub">${o.final ? t.orderFinal : t.orderPolled} ${o.state === 'abandoned' ? t.orderNeedsPerson : ''}</p>
      ${v.flash ? html`<div class="callout ok" role="status"><div class="grow">${v.flash}</div></div>` : null}
      <div class="grid">
        <div>
          <div class="card">
            <h2>${t.timelineTitle}</h2>
            ${timeline(v)}
          </div>
          <div class="card">
            <h2>${t.rejectedTitle}</h2>
            <p class="small muted">${t.rejectedNote}</p>
            ${rejectedCallbacks(v)}
          </div>
        </div>
        <div>
          <div class="card">
            <h2>${t.recordTitle}</h2>
            ${record(o, v.now, t)}
          </div>
          ${v.actions ?? null}
          <div class="card">
            <h2>${t.requeryTitle}</h2>
            ${requeryForm(v)}
          </div>
        </div>
      </div>`,
  });
}
