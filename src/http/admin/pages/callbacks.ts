// GET /admin/callbacks: LianLian callbacks that changed nothing — rejected ones with their reasons, and verified
// ones for orders llrecon does not track.
import type { CallbackRecord } from '../../../engine-types.js';
import { html, type Html } from '../html.js';
import { label, type Locale, type Messages } from '../i18n/index.js';
import { maskSignString } from '../masking.js';
import { orderHref, timeCell } from './format.js';
import { layout, type SignedIn } from './layout.js';

function table(rows: readonly CallbackRecord[], now: number, empty: string, t: Messages): Html {
  if (rows.length === 0) return html`<div class="empty">${empty}</div>`;
  return html`<table>
    <thead>
      <tr>
        <th>${t.colReceived}</th>
        <th>${t.colKind}</th>
        <th>${t.colReason}</th>
        <th>${t.colOrder}</th>
        <th>${t.colMerchant}</th>
        <th class="num">${t.colAmount}</th>
        <th>${t.colSigned}</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (r) =>
          html`<tr>
            <td class="nowrap">${timeCell(r.at, now, t)}</td>
            <td>${r.kind === 'async' ? t.cbAsync : t.cbReturn}</td>
            <td>
              <code>${r.reason}</code>
              <div class="small muted">${label(t.cbReasons, r.reason) === r.reason ? '' : label(t.cbReasons, r.reason)}</div>
              ${r.door ? html`<div class="small muted">${t.cbDoor(r.source ?? '?')}</div>` : null}
            </td>
            <td>
              ${r.no_order ? html`<a class="mono" href="${orderHref(r.no_order)}">${r.no_order}</a>` : html`<span class="muted">—</span>`}
            </td>
            <td class="mono">${r.oid_partner ?? '—'}</td>
            <td class="num">${r.money_order ?? '—'}</td>
            <td>
              ${
                r.signString
                  ? html`<details>
                      <summary>${t.show}</summary>
                      <code>${maskSignString(r.signString)}</code>
                    </details>`
                  : html`<span class="muted">—</span>`
              }
            </td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function callbacksPage(v: {
  locale: Locale;
  now: number;
  csrf: string;
  user?: SignedIn | null;
  rejected: readonly CallbackRecord[];
  untracked: readonly CallbackRecord[];
  limit: number;
}): Html {
  const t = v.locale.t;
  return layout({
    locale: v.locale,
    title: t.navCallbacks,
    section: 'callbacks',
    csrf: v.csrf,
    user: v.user ?? null,
    body: html`<h1>${t.navCallbacks}</h1>
      <p class="sub">${t.callbacksSub(v.limit)}</p>
      <div class="card">
        <h2>${t.cbRejected} <span class="badge v-rejected">${v.rejected.length}</span></h2>
        <p class="small muted">${t.cbRejectedNote}</p>
        ${table(v.rejected, v.now, t.cbNoRejected, t)}
      </div>
      <div class="card">
        <h2>${t.cbUntracked} <span class="badge v-untracked">${v.untracked.length}</span></h2>
        <p class="small muted">${t.cbUntrackedNote}</p>
        ${table(v.untracked, v.now, t.cbNoUntracked, t)}
      </div>`,
  });
}
