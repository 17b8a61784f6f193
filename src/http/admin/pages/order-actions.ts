// Capture and void on the dashboard: the order page's card (two forms, for operators, while the order allows
// them), the confirmation page that repeats the amount and the order number before anything is recorded, and the
// orders list's banner of holds about to lapse.
import type { ActionRecord } from '../../../store/action-record.js';
import { CSRF_FIELD } from '../csrf.js';
import { html, type Html } from '../html.js';
import { label, type Locale, type Messages } from '../i18n/index.js';
import { formatTime, orderHref, stateName } from './format.js';
import { layout, type SignedIn } from './layout.js';

/** What the order page's action card needs. */
export interface ActionCardView {
  locale: Locale;
  no_order: string;
  state: string;
  money_order: string | null;
  enabled: boolean;
  allowedStates: readonly string[];
  user: SignedIn | null;
  csrf: string;
  last: ActionRecord | null;
}

const muted = (t: string) => html`<span class="muted">${t}</span>`;

function lastAction(a: ActionRecord | null, t: Messages): Html | null {
  if (a === null) return null;
  return html`<p class="small">
    ${t.acLast(html`<strong>${label(t.actions, a.kind)}</strong>`, a.money_order, a.actor, html`<span class="badge" title="${a.status}">${label(t.acStatuses, a.status)}</span>`)}
    ${a.ret_code ? html` ${t.acAnswered} <code>${a.ret_code}</code>` : null}${a.error ? html` <span class="muted data">(${a.error})</span>` : null}
    ${a.status === 'lost' || a.status === 'sending' ? html`<br />${muted(t.acUnknown)}` : null}
  </p>`;
}

/** The card: forms for an operator when the order allows an action; otherwise why not. */
export function actionCard(v: ActionCardView): Html {
  const t = v.locale.t;
  const why = !v.enabled
    ? t.acOff
    : v.user?.role !== 'operator'
      ? t.acOperatorOnly
      : !v.allowedStates.includes(v.state)
        ? t.acNeedsAuthorized(stateName(v.state, t))
        : null;
  const href = orderHref(v.no_order);
  const forms =
    why !== null
      ? html`<p class="muted">${why}</p>`
      : html`<form method="post" action="${href}/capture">
            <input type="hidden" name="${CSRF_FIELD}" value="${v.csrf}" />
            <div class="field">
              <label for="capture-amount">${t.acCaptureAmount(v.money_order ?? '?')}</label>
              <input id="capture-amount" name="money_order" value="${v.money_order ?? ''}" inputmode="decimal" size="14" required />
            </div>
            <div class="field">
              <label for="capture-reason">${t.reasonLabel}</label>
              <input id="capture-reason" name="reason" maxlength="200" required />
            </div>
            <button class="primary" type="submit">${t.acCaptureButton}</button>
          </form>
          <form method="post" action="${href}/void">
            <input type="hidden" name="${CSRF_FIELD}" value="${v.csrf}" />
            <div class="field">
              <label for="void-reason">${t.reasonLabel}</label>
              <input id="void-reason" name="reason" maxlength="200" required />
            </div>
            <button type="submit">${t.acVoidButton}</button>
          </form>
          <p class="small muted">${t.acConfirmNote}</p>`;
  return html`<div class="card">
    <h2>${t.acTitle}</h2>
    ${lastAction(v.last, t)} ${forms}
  </div>`;
}

/** What the confirmation page repeats and carries on. */
export interface ConfirmView {
  locale: Locale;
  kind: 'capture' | 'void';
  no_order: string;
  money_order: string;
  reason: string;
  confirmation: string;
  idempotencyKey: string;
  csrf: string;
  user: SignedIn | null;
}

/** "Capture 12.00 of order X?": the one page between the form and the action. */
export function confirmPage(v: ConfirmView): Html {
  const t = v.locale.t;
  const href = orderHref(v.no_order);
  return layout({
    locale: v.locale,
    title: t.acConfirmTitle(v.kind, v.no_order),
    section: 'orders',
    csrf: v.csrf,
    user: v.user,
    body: html`<div class="crumbs"><a href="/admin/orders">${t.navOrders}</a> / <a href="${href}">${v.no_order}</a> /</div>
      <h1>
        ${t.acConfirmHeading(v.kind, html`<span class="mono">${v.money_order}</span>`, html`<span class="mono">${v.no_order}</span>`)}
      </h1>
      <div class="card">
        <p>
          ${t.acConfirmBody(v.kind, html`<strong class="mono">${v.money_order}</strong>`, html`<strong class="mono">${v.no_order}</strong>`)}
          ${t.reasonLabel}: <span class="data">${v.reason}</span>
        </p>
        <form method="post" action="${href}/${v.kind}">
          <input type="hidden" name="${CSRF_FIELD}" value="${v.csrf}" />
          <input type="hidden" name="money_order" value="${v.money_order}" />
          <input type="hidden" name="reason" value="${v.reason}" />
          <input type="hidden" name="confirmed" value="${v.confirmation}" />
          <input type="hidden" name="idempotency_key" value="${v.idempotencyKey}" />
          <button class="primary" type="submit">${t.acConfirmButton(v.kind, v.money_order, v.no_order)}</button>
          <a href="${href}">${t.cancel}</a>
        </form>
      </div>`,
  });
}

/** The orders list's banner: authorized orders whose hold ends soon (flagged preauth.hold_expiring). */
export function holdBanner(holds: ReadonlyArray<{ no_order: string; deadline: number }>, t: Messages): Html | null {
  if (holds.length === 0) return null;
  return html`<div class="callout warn" role="status">
    <div class="grow">
      <strong>${t.holdsEndSoon(holds.length)}</strong> ${t.holdsEndSoonNote}
      ${holds.map((h, i) => html`${i > 0 ? ', ' : ''}<a class="mono" href="${orderHref(h.no_order)}">${h.no_order}</a> ${muted(`(${formatTime(h.deadline)})`)}`)}
    </div>
  </div>`;
}
