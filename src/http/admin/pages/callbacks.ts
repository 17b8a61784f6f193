// GET /admin/callbacks: LianLian callbacks that changed nothing — rejected ones with their reasons, and verified
// ones for orders llrecon does not track.
import type { CallbackRecord } from '../../../engine-types.js';
import { html, type Html } from '../html.js';
import { maskSignString } from '../masking.js';
import { orderHref, timeCell } from './format.js';
import { layout, type SignedIn } from './layout.js';

const REASONS: Record<string, string> = {
  unparseable: 'the body is not a LianLian callback (not JSON, or fields missing)',
  invalid: 'the signature does not verify',
  mismatch: 'the signature does not verify (wrong key, or the body was altered)',
  no_sign: 'carries no sign field',
  non_string: 'a signed field is not a string',
  other_merchant: 'for another merchant (oid_partner is not ours)',
  no_order_missing: 'carries no no_order',
  amount_mismatch: 'money_order differs from the tracked order',
  dt_order_mismatch: 'dt_order differs from the tracked order',
  untracked: 'verified, but llrecon does not track this order',
  invalid_body: 'not a JSON object (or a field sent twice)',
  content_type: 'not sent as JSON',
};

function table(rows: readonly CallbackRecord[], now: number, empty: string): Html {
  if (rows.length === 0) return html`<div class="empty">${empty}</div>`;
  return html`<table>
    <thead>
      <tr>
        <th>Received</th>
        <th>Kind</th>
        <th>Reason</th>
        <th>Order</th>
        <th>Merchant</th>
        <th class="num">Amount</th>
        <th>Signed string</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (r) =>
          html`<tr>
            <td class="nowrap">${timeCell(r.at, now)}</td>
            <td>${r.kind === 'async' ? 'notification' : 'return form'}</td>
            <td>
              <code>${r.reason}</code>
              <div class="small muted">${REASONS[r.reason] ?? ''}</div>
              ${r.door ? html`<div class="small muted">refused at the door (a sample), from ${r.source ?? '?'}</div>` : null}
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
                      <summary>show</summary>
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
  now: number;
  csrf: string;
  user?: SignedIn | null;
  rejected: readonly CallbackRecord[];
  untracked: readonly CallbackRecord[];
  limit: number;
}): Html {
  return layout({
    title: 'Callbacks',
    section: 'callbacks',
    csrf: v.csrf,
    user: v.user ?? null,
    body: html`<h1>Callbacks</h1>
      <p class="sub">LianLian callbacks that changed nothing, newest first (the last ${v.limit} of each kind) · times in UTC+8</p>
      <div class="card">
        <h2>Rejected <span class="badge v-rejected">${v.rejected.length}</span></h2>
        <p class="small muted">
          Forged, mangled or mismatched callbacks. They trigger nothing; a run of them may mean a wrong LianLian public key or someone
          probing the notify URL.
        </p>
        ${table(v.rejected, v.now, 'No rejected callback.')}
      </div>
      <div class="card">
        <h2>Verified, for untracked orders <span class="badge v-untracked">${v.untracked.length}</span></h2>
        <p class="small muted">
          Genuine LianLian callbacks about orders llrecon was never asked to track: perhaps an order your systems did not enqueue.
        </p>
        ${table(v.untracked, v.now, 'No callback for an untracked order.')}
      </div>`,
  });
}
