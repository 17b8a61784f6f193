// GET /admin/orders: counts per state as filter chips, the abandoned orders that need a person, and the list,
// filterable by state and age, searchable by no_order, paged.
import { isFinalState, type OrderState } from '../../../reconcile/states.js';
import { html, type Html } from '../html.js';
import { formatCount, formatDtOrder, orderHref, stateBadge, timeCell } from './format.js';
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
  const all = total(v.counts);
  const chip = (state: OrderState | null, label: string, n: number) =>
    html`<a class="chip${v.filter.state === state ? ' on' : ''}" href="${ordersHref({ ...v.filter, state, page: 1 })}"
      >${label} <b>${formatCount(n)}</b></a
    >`;
  return html`<div class="chips">
    ${chip(null, 'All', all)}
    ${v.states.filter((s) => (v.counts[s] ?? 0) > 0 || v.filter.state === s).map((s) => chip(s, s.replace(/_/g, ' '), v.counts[s] ?? 0))}
  </div>`;
}

function needsAPerson(v: OrdersView): Html | null {
  const n = v.counts.abandoned ?? 0;
  if (n === 0 || v.filter.state === 'abandoned') return null;
  return html`<div class="callout warn">
    <div class="grow">
      <strong>${formatCount(n)} ${n === 1 ? 'order needs' : 'orders need'} a person.</strong> Tracking gave up on
      ${n === 1 ? 'it' : 'them'}: the horizon passed without a final answer from LianLian. Check ${n === 1 ? 'it' : 'each'} in LianLian's
      merchant portal, then re-query.
    </div>
    <a class="button" href="${ordersHref({ state: 'abandoned' })}">Show abandoned</a>
  </div>`;
}

function abandonedHint(v: OrdersView): Html | null {
  if (v.filter.state !== 'abandoned') return null;
  return html`<div class="callout warn">
    <div class="grow">
      <strong>Abandoned orders need a person.</strong> No final code arrived before the tracking horizon. Look each one up in LianLian's
      merchant portal; a re-query from its page asks LianLian once more and records who asked and why.
    </div>
  </div>`;
}

function filters(v: OrdersView): Html {
  const f = v.filter;
  return html`<form class="filters" method="get" action="/admin/orders" role="search">
    ${f.state ? html`<input type="hidden" name="state" value="${f.state}" />` : null}
    <div>
      <label for="q">Order number</label>
      <input id="q" name="q" value="${f.search}" placeholder="no_order (prefix)" maxlength="64" size="26" />
    </div>
    <div>
      <label for="older_than">Tracked</label>
      <select id="older_than" name="older_than">
        <option value="">any time</option>
        ${(Object.keys(AGES) as AgeKey[]).map((k) => html`<option value="${k}" ${f.age === k ? html` selected` : null}>more than ${k} ago</option>`)}
      </select>
    </div>
    <div><button class="primary" type="submit">Apply</button></div>
    ${f.search || f.age || f.state ? html`<div><a href="/admin/orders">Clear filters</a></div>` : null}
  </form>`;
}

function row(o: OrderRow, now: number): Html {
  return html`<tr>
    <td><a class="mono" href="${orderHref(o.no_order)}">${o.no_order}</a></td>
    <td>${stateBadge(o.state)}</td>
    <td>
      ${o.ret_code ? html`<code>${o.ret_code}</code> <span class="muted small">${o.ret_msg ?? ''}</span>` : html`<span class="muted">—</span>`}
    </td>
    <td class="num">${o.money_order ?? html`<span class="muted">—</span>`}</td>
    <td class="nowrap">${formatDtOrder(o.dt_order)}</td>
    <td class="nowrap">${timeCell(o.tracked_at, now, { relative: true })}</td>
    <td class="num">${o.polls}</td>
    <td class="nowrap">${o.final ? html`<span class="muted">final</span>` : timeCell(o.next_poll_at, now, { relative: true })}</td>
  </tr>`;
}

function pager(v: OrdersView): Html {
  const first = v.total === 0 ? 0 : (v.filter.page - 1) * v.pageSize + 1;
  const last = Math.min(v.total, v.filter.page * v.pageSize);
  const pages = Math.max(1, Math.ceil(v.total / v.pageSize));
  const link = (page: number, label: string, enabled: boolean) =>
    enabled ? html`<a href="${ordersHref({ ...v.filter, page })}">${label}</a>` : html`<span class="off">${label}</span>`;
  return html`<div class="pager">
    <span>${formatCount(first)}–${formatCount(last)} of ${formatCount(v.total)}</span>
    <span
      >${link(v.filter.page - 1, '← Newer', v.filter.page > 1)}
      <span class="muted">page ${v.filter.page} of ${formatCount(pages)}</span>
      ${link(v.filter.page + 1, 'Older →', v.filter.page < pages)}</span
    >
  </div>`;
}

export function ordersPage(v: OrdersView): Html {
  const all = total(v.counts);
  const open = v.states.filter((s) => !isFinalState(s)).reduce((a, s) => a + (v.counts[s] ?? 0), 0);
  return layout({
    title: 'Orders',
    section: 'orders',
    csrf: v.csrf,
    user: v.user ?? null,
    body: html`<h1>Orders</h1>
      <p class="sub">${formatCount(all)} tracked · ${formatCount(open)} still being polled · times in UTC+8</p>
      ${v.banner ?? null} ${needsAPerson(v)} ${chips(v)} ${abandonedHint(v)}
      <div class="card">${filters(v)}</div>
      <div class="card">
        ${
          v.orders.length === 0
            ? html`<div class="empty">No order matches${v.filter.search ? html` “${v.filter.search}”` : null}.</div>`
            : html`<table>
                <thead>
                  <tr>
                    <th>Order</th>
                    <th>State</th>
                    <th>Last answer</th>
                    <th class="num">Amount</th>
                    <th>Order time</th>
                    <th>Tracked</th>
                    <th class="num">Polls</th>
                    <th>Next poll</th>
                  </tr>
                </thead>
                <tbody>
                  ${v.orders.map((o) => row(o, v.now))}
                </tbody>
              </table>`
        }
        ${pager(v)}
      </div>`,
  });
}
