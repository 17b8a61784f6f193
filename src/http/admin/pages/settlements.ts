// GET /admin/settlements: what LianLian's settlement files showed — the days with their counts and whether the
// summary file agrees, and one day's discrepancies with both sides (llrecon's order, LianLian's row), as a page and
// as a CSV download.
import type { DayReport, DaySummary } from '../../../settlement/reports.js';
import { html, type Html } from '../html.js';
import { orderHref } from './format.js';
import { layout, type SignedIn } from './layout.js';

const RESULTS = ['matched', 'amount_mismatch', 'not_captured', 'missing', 'untracked', 'refund', 'other'] as const;

/** What each verdict means, and what to do about it (the README says the same). */
export const RESULT_HELP: Record<(typeof RESULTS)[number], string> = {
  matched: 'settled at the amount llrecon captured: nothing to do',
  amount_mismatch:
    'settled at another amount than llrecon captured (or than the order, when llrecon did not capture it): compare both sides',
  not_captured: 'settled while llrecon had the order in another state: llrecon queried it at once and judges it again on the answer',
  missing: 'captured by llrecon but in no imported file past the grace period: ask LianLian about it',
  untracked: 'a pre-authorization settled for an order llrecon never tracked: was it enqueued?',
  refund: "a refund row, recorded on its order's history",
  other: "the merchant's other business: counted only",
};

const dayHref = (date: string): string => `/admin/settlements?date=${encodeURIComponent(date)}`;
const summaryCell = (ok: boolean | null): Html =>
  ok === null
    ? html`<span class="muted">—</span>`
    : ok
      ? html`<span class="badge v-accepted">agrees</span>`
      : html`<span class="badge v-rejected">differs</span>`;

function daysTable(days: readonly DaySummary[]): Html {
  if (days.length === 0)
    return html`<div class="empty">
      No settlement file imported yet (SETTLEMENT_DIR, SETTLEMENT_SFTP_URL, llrecon settle import, or POST /settlements/files).
    </div>`;
  return html`<table>
    <thead>
      <tr>
        <th>Settle date</th>
        ${RESULTS.map((r) => html`<th class="num">${r}</th>`)}
        <th>Summary</th>
      </tr>
    </thead>
    <tbody>
      ${days.map(
        (d) =>
          html`<tr>
            <td><a class="mono" href="${dayHref(d.settle_date)}">${d.settle_date}</a></td>
            ${RESULTS.map((r) => html`<td class="num">${d.counts[r]}</td>`)}
            <td>${summaryCell(d.summary_ok)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function dayCard(day: DayReport): Html {
  return html`<div class="card">
    <h2>${day.settle_date} <span class="small muted">summary file: ${summaryCell(day.summary_ok)}</span></h2>
    <p class="small">
      Files: ${day.files.length === 0 ? '—' : day.files.map((f) => html`<code>${f.name}</code> (${f.rows} rows, ${f.encoding ?? '?'}) `)} ·
      <a href="/admin/settlements/${day.settle_date}.csv">Download the discrepancies as CSV</a>
    </p>
    ${
      day.summary_differences.length > 0
        ? html`<p class="small">
            Summary vs daily file: ${day.summary_differences.map((d) => html`<code>${d.field}</code> ${d.summary} vs ${d.file}; `)}
          </p>`
        : null
    }
    ${
      day.items.length === 0
        ? html`<div class="empty">No discrepancy on this day.</div>`
        : html`<table>
            <thead>
              <tr>
                <th>Result</th>
                <th>Order</th>
                <th>llrecon: state</th>
                <th class="num">llrecon: amount</th>
                <th>LianLian: oid_paybill</th>
                <th class="num">LianLian: amount</th>
                <th>Status</th>
                <th class="num">Line</th>
              </tr>
            </thead>
            <tbody>
              ${day.items.map(
                (i) =>
                  html`<tr>
                    <td>
                      <code>${i.result}</code>
                      <div class="small muted">${RESULT_HELP[i.result]}</div>
                    </td>
                    <td>
                      ${i.llrecon ? html`<a class="mono" href="${orderHref(i.no_order)}">${i.no_order}</a>` : html`<span class="mono">${i.no_order}</span>`}
                    </td>
                    <td>${i.llrecon?.state ?? '—'}</td>
                    <td class="num">${i.llrecon?.money_order ?? '—'}</td>
                    <td class="mono">${i.lianlian?.oid_paybill || '—'}</td>
                    <td class="num">${i.lianlian?.money_order ?? '—'}</td>
                    <td>${i.lianlian?.transaction_status ?? '—'}</td>
                    <td class="num">${i.lianlian?.line ?? '—'}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    ${
      day.disagreements.length > 0
        ? html`<h2>Rows in two files that disagree</h2>
            <table>
              <thead>
                <tr>
                  <th>Order</th>
                  <th>Counted from</th>
                  <th>Also in</th>
                  <th>Differs in</th>
                </tr>
              </thead>
              <tbody>
                ${day.disagreements.map(
                  (d) =>
                    html`<tr>
                      <td class="mono">${d.no_order}</td>
                      <td><code>${d.counted.file}</code> line ${d.counted.line}: ${d.counted.money_order}</td>
                      <td><code>${d.other.file}</code> line ${d.other.line}: ${d.other.money_order}</td>
                      <td>${d.fields.join(', ')}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
        : null
    }
  </div>`;
}

export function settlementsPage(v: { csrf: string; user?: SignedIn | null; days: readonly DaySummary[]; day: DayReport | null }): Html {
  return layout({
    title: 'Settlements',
    section: 'settlements',
    csrf: v.csrf,
    user: v.user ?? null,
    body: html`<h1>Settlements</h1>
      <p class="sub">LianLian's settlement files against what llrecon saw captured, by settle date (UTC+8)</p>
      ${v.day === null ? null : dayCard(v.day)}
      <div class="card">
        <h2>Days</h2>
        ${daysTable(v.days)}
      </div>`,
  });
}
