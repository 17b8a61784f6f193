// GET /admin/orders: counts per state as filter chips, the abandoned orders that need a person, and the list,
// filterable by state and age, searchable by no_order, paged.
import { isFinalState, type OrderState } from '../../../reconcile/states.js';
import { html, type Html } from '../html.js';
import type { Locale } from '../i18n/index.js';
import { formatCount, formatDtOrder, orderHref, stateBadge, stateName, timeCell } from './format.js';
import { layout, type SignedIn } from './layout.js';

/** The "older than" choices: tracked longer ago than this. */
export const AGES = { '10m': 10 * 60_000, '1h': 3600_000, '1d': 86_400_000, '7d': 7 * 86_400_000 } as const;
export type AgeKey = keyof typeof AGES;

export function isAgeKey(x: unknown): x is AgeKey {
  return typeof x === 'string' && Object.hasOwn(AGES, x);
}

/** What the list shows of an order (a subset of the store's OrderRecord). */
export interface OrderRow {
  no_order: string;
  state: string;
  ret_code: string | null;
  ret_msg: string | null;
  money_order: string | null;
  dt_order: string;
  polls: number;
  next_poll_at: number | null;
  tracked_at: number;
  final: boolean;
}

export interface OrdersFilter {
  state: OrderState | null;
  age: AgeKey | null;
  search: string;
  page: number;
}

export interface OrdersView {
  locale: Locale;
  /** The holds that end soon (pages/order-actions.ts), above everything else. */
  banner?: Html | null;
  now: number;
  csrf: string;
  user?: SignedIn | null;
  states: readonly OrderState[];
  counts: Readonly<Partial<Record<OrderState, number>>>;
  filter: OrdersFilter;
  pageSize: number;
  total: number;
  orders: readonly OrderRow[];
}

/** The orders page address for a filter (empty parts left out). */
export function ordersHref(f: Partial<OrdersFilter>): string {
  const q = new URLSearchParams();
  if (f.state) q.set('state', f.state);
  if (f.age) q.set('older_than', f.age);
  if (f.search) q.set('q', f.search);
  if (f.page && f.page > 1) q.set('page', String(f.page));
  const s = q.toString();
  return s ? `/admin/orders?${s}` : '/admin/orders';
}

function total(counts: OrdersView['counts']): number {
  return Object.values(counts).reduce((a: number, b) => a + (b ?? 0), 0);
}

function chips(v: OrdersView): Html {
  const t = v.locale.t;
  const all = total(v.counts);
  const chip = (state: OrderState | null, label: string, n: number) =>
    html`<a class="chip${v.filter.state === state ? ' on' : ''}" href="${ordersHref({ ...v.filter, state, page: 1 })}"
      >${label} <b>${formatCount(n)}</b></a
    >`;
  return html`<div class="chips">
    ${chip(null, t.chipAll, all)}
    ${v.states.filter((s) => (v.counts[s] ?? 0) > 0 || v.filter.state === s).map((s) => chip(s, stateName(s, t), v.counts[s] ?? 0))}
  </div>`;
}

function needsAPerson(v: OrdersView): Html | null {
  const n = v.counts.abandoned ?? 0;
  if (n === 0 || v.filter.state === 'abandoned') return null;
  return html`<div class="callout warn">
    <div class="grow">${v.locale.t.needPerson(n)}</div>
    <a class="button" href="${ordersHref({ state: 'abandoned' })}">${v.locale.t.showAbandoned}</a>
  </div>`;
}

function abandonedHint(v: OrdersView): Html | null {
  if (v.filter.state !== 'abandoned') return null;
  return html`<div class="callout warn">
    <div class="grow">${v.locale.t.abandonedHint}</div>
  </div>`;
}

function filters(v: OrdersView): Html {
  const f = v.filter;
  const t = v.locale.t;
  return html`<form class="filters" method="get" action="/admin/orders" role="search">
    ${f.state ? html`<input type="hidden" name="state" value="${f.state}" />` : null}
    <div>
      <label for="q">${t.filterOrderNo}</label>
      <input id="q" name="q" value="${f.search}" placeholder="${t.filterOrderNoHint}" maxlength="64" size="26" />
    </div>
    <div>
      <label for="older_than">${t.filterTracked}</label>
      <select id="older_than" name="older_than">
        <option value="">${t.anyTime}</option>
        ${(Object.keys(AGES) as AgeKey[]).map((k) => html`<option value="${k}" ${f.age === k ? html` selected` : null}>${t.olderThan(k)}</option>`)}
      </select>
    </div>
    <div><button class="primary" type="submit">${t.apply}</button></div>
    ${f.search || f.age || f.state ? html`<div><a href="/admin/orders">${t.clearFilters}</a></div>` : null}
  </form>`;
}

function row(o: OrderRow, now: number, locale: Locale): Html {
  const t = locale.t;
  return html`<tr>
    <td><a class="mono" href="${orderHref(o.no_order)}">${o.no_order}</a></td>
    <td>${stateBadge(o.state, t)}</td>
    <td>
      ${o.ret_code ? html`<code>${o.ret_code}</code> <span class="muted small ret-msg">${o.ret_msg ?? ''}</span>` : html`<span class="muted">—</span>`}
    </td>
    <td class="num">${o.money_order ?? html`<span class="muted">—</span>`}</td>
    <td class="nowrap">${formatDtOrder(o.dt_order)}</td>
    <td class="nowrap">${timeCell(o.tracked_at, now, t, { relative: true })}</td>
    <td class="num">${o.polls}</td>
    <td class="nowrap">${o.final ? html`<span class="muted">${t.final}</span>` : timeCell(o.next_poll_at, now, t, { relative: true })}</td>
  </tr>`;
}

function pager(v: OrdersView): Html {
  const t = v.locale.t;
  const first = v.total === 0 ? 0 : (v.filter.page - 1) * v.pageSize + 1;
  const last = Math.min(v.total, v.filter.page * v.pageSize);
  const pages = Math.max(1, Math.ceil(v.total / v.pageSize));
  const link = (page: number, label: string, enabled: boolean) =>
    enabled ? html`<a href="${ordersHref({ ...v.filter, page })}">${label}</a>` : html`<span class="off">${label}</span>`;
  return html`<div class="pager">
    <span>${t.pagerRange(formatCount(first), formatCount(last), formatCount(v.total))}</span>
    <span
      >${link(v.filter.page - 1, t.newer, v.filter.page > 1)}
      <span class="muted">${t.pageOf(formatCount(v.filter.page), formatCount(pages))}</span>
      ${link(v.filter.page + 1, t.older, v.filter.page < pages)}</span
    >
  </div>`;
}

export function ordersPage(v: OrdersView): Html {
  const all = total(v.counts);
  const open = v.states.filter((s) => !isFinalState(s)).reduce((a, s) => a + (v.counts[s] ?? 0), 0);
  const t = v.locale.t;
  return layout({
    locale: v.locale,
    title: t.navOrders,
    section: 'orders',
    csrf: v.csrf,
    user: v.user ?? null,
    body: html`<h1>${t.navOrders}</h1>
      <p class="sub">${t.ordersSub(formatCount(all), formatCount(open))}</p>
      ${v.banner ?? null} ${needsAPerson(v)} ${chips(v)} ${abandonedHint(v)}
      <div class="card">${filters(v)}</div>
      <div class="card">
        ${
          v.orders.length === 0
            ? html`<div class="empty">${t.noMatch(v.filter.search ? html`<span class="data">${v.filter.search}</span>` : null)}</div>`
            : html`<table>
                <thead>
                  <tr>
                    <th>${t.colOrder}</th>
                    <th>${t.colState}</th>
                    <th>${t.colLastAnswer}</th>
                    <th class="num">${t.colAmount}</th>
                    <th>${t.colOrderTime}</th>
                    <th>${t.colTracked}</th>
                    <th class="num">${t.colPolls}</th>
                    <th>${t.colNextPoll}</th>
                  </tr>
                </thead>
                <tbody>
                  ${v.orders.map((o) => row(o, v.now, v.locale))}
                </tbody>
              </table>`
        }
        ${pager(v)}
      </div>`,
  });
}
