// GET /admin/settlements: what LianLian's settlement files showed — the days with their counts and whether the
// summary file agrees, and one day's discrepancies with both sides (llrecon's order, LianLian's row), as a page and
// as a CSV download.
import type { DayReport, DaySummary } from '../../../settlement/reports.js';
import { html, type Html } from '../html.js';
import { en } from '../i18n/en.js';
import { label, type Locale, type Messages } from '../i18n/index.js';
import { orderHref, stateName } from './format.js';
import { layout, type SignedIn } from './layout.js';

const RESULTS = ['matched', 'amount_mismatch', 'not_captured', 'missing', 'untracked', 'refund', 'other'] as const;

/** What each verdict means, and what to do about it (the README says the same), in English. */
export const RESULT_HELP: Record<(typeof RESULTS)[number], string> = en.stResultHelp;

const dayHref = (date: string): string => `/admin/settlements?date=${encodeURIComponent(date)}`;
const summaryCell = (ok: boolean | null, t: Messages): Html =>
  ok === null
    ? html`<span class="muted">—</span>`
    : ok
      ? html`<span class="badge v-accepted">${t.stAgrees}</span>`
      : html`<span class="badge v-rejected">${t.stDiffers}</span>`;

function daysTable(days: readonly DaySummary[], t: Messages): Html {
  if (days.length === 0) return html`<div class="empty">${t.stNoFile}</div>`;
  return html`<table>
    <thead>
      <tr>
        <th>${t.stSettleDate}</th>
        ${RESULTS.map((r) => html`<th class="num" title="${r}">${label(t.stResults, r)}</th>`)}
        <th>${t.stSummary}</th>
      </tr>
    </thead>
    <tbody>
      ${days.map(
        (d) =>
          html`<tr>
            <td><a class="mono" href="${dayHref(d.settle_date)}">${d.settle_date}</a></td>
            ${RESULTS.map((r) => html`<td class="num">${d.counts[r]}</td>`)}
            <td>${summaryCell(d.summary_ok, t)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function dayCard(day: DayReport, t: Messages): Html {
  return html`<div class="card">
    <h2>${day.settle_date} <span class="small muted">${t.stSummaryFile} ${summaryCell(day.summary_ok, t)}</span></h2>
    <p class="small">
      ${t.stFiles}
      ${day.files.length === 0 ? '—' : day.files.map((f) => html`<code>${f.name}</code> ${t.stFileRows(f.rows, f.encoding ?? '?')} `)} ·
      <a href="/admin/settlements/${day.settle_date}.csv">${t.stDownload}</a>
    </p>
    ${
      day.summary_differences.length > 0
        ? html`<p class="small">
            ${t.stSummaryVsFile} ${day.summary_differences.map((d) => html`<code>${d.field}</code> ${d.summary} ${t.stVs} ${d.file}; `)}
          </p>`
        : null
    }
    ${
      day.items.length === 0
        ? html`<div class="empty">${t.stNoDiscrepancy}</div>`
        : html`<table>
            <thead>
              <tr>
                <th>${t.stColResult}</th>
                <th>${t.colOrder}</th>
                <th>${t.stColLlreconState}</th>
                <th class="num">${t.stColLlreconAmount}</th>
                <th>${t.stColLianlianBill}</th>
                <th class="num">${t.stColLianlianAmount}</th>
                <th>${t.stColStatus}</th>
                <th class="num">${t.stColLine}</th>
              </tr>
            </thead>
            <tbody>
              ${day.items.map(
                (i) =>
                  html`<tr>
                    <td>
                      <code>${i.result}</code>
                      <div class="small muted">${t.stResultHelp[i.result]}</div>
                    </td>
                    <td>
                      ${i.llrecon ? html`<a class="mono" href="${orderHref(i.no_order)}">${i.no_order}</a>` : html`<span class="mono">${i.no_order}</span>`}
                    </td>
                    <td>${i.llrecon ? stateName(i.llrecon.state, t) : '—'}</td>
                    <td class="num">${i.llrecon?.money_order ?? '—'}</td>
                    <td class="mono">${i.lianlian?.oid_paybill || '—'}</td>
                    <td class="num">${i.lianlian?.money_order ?? '—'}</td>
                    <td><code>${i.lianlian?.transaction_status ?? '—'}</code></td>
                    <td class="num">${i.lianlian?.line ?? '—'}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    ${
      day.disagreements.length > 0
        ? html`<h2>${t.stDisagreeTitle}</h2>
            <table>
              <thead>
                <tr>
                  <th>${t.colOrder}</th>
                  <th>${t.stCountedFrom}</th>
                  <th>${t.stAlsoIn}</th>
                  <th>${t.stDiffersIn}</th>
                </tr>
              </thead>
              <tbody>
                ${day.disagreements.map(
                  (d) =>
                    html`<tr>
                      <td class="mono">${d.no_order}</td>
                      <td>${t.stLine(html`<code>${d.counted.file}</code>`, d.counted.line, d.counted.money_order)}</td>
                      <td>${t.stLine(html`<code>${d.other.file}</code>`, d.other.line, d.other.money_order)}</td>
                      <td><code>${d.fields.join(', ')}</code></td>
                    </tr>`,
                )}
              </tbody>
            </table>`
        : null
    }
  </div>`;
}

export function settlementsPage(v: {
  locale: Locale;
  csrf: string;
  user?: SignedIn | null;
  days: readonly DaySummary[];
  day: DayReport | null;
}): Html {
  const t = v.locale.t;
  return layout({
    locale: v.locale,
    title: t.navSettlements,
    section: 'settlements',
    csrf: v.csrf,
    user: v.user ?? null,
    body: html`<h1>${t.navSettlements}</h1>
      <p class="sub">${t.stSub}</p>
      ${v.day === null ? null : dayCard(v.day, t)}
      <div class="card">
        <h2>${t.stDays}</h2>
        ${daysTable(v.days, t)}
      </div>`,
  });
}
