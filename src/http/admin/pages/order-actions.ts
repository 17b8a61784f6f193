// Capture and void on the dashboard: the order page's card (two forms, for operators, while the order allows
// them), the confirmation page that repeats the amount and the order number before anything is recorded, and the
// orders list's banner of holds about to lapse.
import type { ActionRecord } from '../../../store/action-record.js';
import { CSRF_FIELD } from '../csrf.js';
import { html, type Html } from '../html.js';
import { formatTime, orderHref } from './format.js';
import { layout, type SignedIn } from './layout.js';

/** What the order page's action card needs. */
export interface ActionCardView {
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

function lastAction(a: ActionRecord | null): Html | null {
  if (a === null) return null;
  return html`<p class="small">
    Last: <strong>${a.kind}</strong> ${a.money_order} by ${a.actor} — <span class="badge">${a.status}</span>
    ${a.ret_code ? html` LianLian answered <code>${a.ret_code}</code>` : null}${a.error ? muted(` (${a.error})`) : null}
    ${a.status === 'lost' || a.status === 'sending' ? html`<br />${muted('Outcome unknown: llrecon is confirming by query and never sends it again by itself.')}` : null}
  </p>`;
}

/** The card: forms for an operator when the order allows an action; otherwise why not. */
export function actionCard(v: ActionCardView): Html {
  const why = !v.enabled
    ? 'Capture and void are off in this deployment (ACTIONS_ENABLED).'
    : v.user?.role !== 'operator'
      ? 'An operator can capture or void this order.'
      : !v.allowedStates.includes(v.state)
        ? `Capture and void need the order authorized (it is ${v.state.replace(/_/g, ' ')}).`
        : null;
  const href = orderHref(v.no_order);
  const forms =
    why !== null
      ? html`<p class="muted">${why}</p>`
      : html`<form method="post" action="${href}/capture">
            <input type="hidden" name="${CSRF_FIELD}" value="${v.csrf}" />
            <div class="field">
              <label for="capture-amount">Amount to capture (authorized ${v.money_order ?? '?'})</label>
              <input id="capture-amount" name="money_order" value="${v.money_order ?? ''}" inputmode="decimal" size="14" required />
            </div>
            <div class="field">
              <label for="capture-reason">Reason</label>
              <input id="capture-reason" name="reason" maxlength="200" required />
            </div>
            <button class="primary" type="submit">Capture…</button>
          </form>
          <form method="post" action="${href}/void">
            <input type="hidden" name="${CSRF_FIELD}" value="${v.csrf}" />
            <div class="field">
              <label for="void-reason">Reason</label>
              <input id="void-reason" name="reason" maxlength="200" required />
            </div>
            <button type="submit">Void the hold…</button>
          </form>
          <p class="small muted">
            You confirm on the next page. Each action goes to LianLian at most once; the order's state then says how it went.
          </p>`;
  return html`<div class="card">
    <h2>Capture or void</h2>
    ${lastAction(v.last)} ${forms}
  </div>`;
}

/** What the confirmation page repeats and carries on. */
export interface ConfirmView {
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
  const verb = v.kind === 'capture' ? 'Capture' : 'Void';
  const what =
    v.kind === 'capture' ? html`capture <strong>${v.money_order}</strong>` : html`void the hold of <strong>${v.money_order}</strong>`;
  const href = orderHref(v.no_order);
  return layout({
    title: `${verb} ${v.no_order}?`,
    section: 'orders',
    csrf: v.csrf,
    user: v.user,
    body: html`<div class="crumbs"><a href="/admin/orders">Orders</a> / <a href="${href}">${v.no_order}</a> /</div>
      <h1>${verb} <span class="mono">${v.money_order}</span> of order <span class="mono">${v.no_order}</span>?</h1>
      <div class="card">
        <p>This asks LianLian to ${what} on order <strong class="mono">${v.no_order}</strong>, once. Reason: ${v.reason}</p>
        <form method="post" action="${href}/${v.kind}">
          <input type="hidden" name="${CSRF_FIELD}" value="${v.csrf}" />
          <input type="hidden" name="money_order" value="${v.money_order}" />
          <input type="hidden" name="reason" value="${v.reason}" />
          <input type="hidden" name="confirmed" value="${v.confirmation}" />
          <input type="hidden" name="idempotency_key" value="${v.idempotencyKey}" />
          <button class="primary" type="submit">Yes, ${v.kind} ${v.money_order} of ${v.no_order}</button>
          <a href="${href}">Cancel</a>
        </form>
      </div>`,
  });
}

/** The orders list's banner: authorized orders whose hold ends soon (flagged preauth.hold_expiring). */
export function holdBanner(holds: ReadonlyArray<{ no_order: string; deadline: number }>): Html | null {
  if (holds.length === 0) return null;
  return html`<div class="callout warn" role="status">
    <div class="grow">
      <strong>${holds.length === 1 ? 'A hold ends soon' : `${holds.length} holds end soon`}</strong> (authorized, neither captured nor
      voided):
      ${holds.map((h, i) => html`${i > 0 ? ', ' : ''}<a class="mono" href="${orderHref(h.no_order)}">${h.no_order}</a> ${muted(`(${formatTime(h.deadline)})`)}`)}
    </div>
  </div>`;
}
