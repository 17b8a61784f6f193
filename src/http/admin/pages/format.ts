// Small formatters shared by the admin pages. Times are shown in UTC+8, LianLian's own time zone, like dt_order.
import { DateTime } from 'luxon';
import { html, type Html } from '../html.js';

const ZONE = 'UTC+8';

/** Epoch ms as `yyyy-MM-dd HH:mm:ss` in UTC+8. */
export function formatTime(ms: number): string {
  return DateTime.fromMillis(ms, { zone: ZONE }).toFormat('yyyy-MM-dd HH:mm:ss');
}

/** LianLian's `yyyyMMddHHmmss` (UTC+8) made readable; anything else is shown as it is. */
export function formatDtOrder(dt: string): string {
  const t = DateTime.fromFormat(dt, 'yyyyMMddHHmmss', { zone: ZONE });
  return t.isValid ? t.toFormat('yyyy-MM-dd HH:mm:ss') : dt;
}

/** A duration in words: `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h`. */
export function formatSpan(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** `<time>` with the UTC+8 time, the exact UTC instant as its tooltip, and how long ago / until when. */
export function timeCell(ms: number | null | undefined, now: number, opts: { relative?: boolean } = {}): Html {
  if (ms === null || ms === undefined) return html`<span class="muted">—</span>`;
  const iso = new Date(ms).toISOString();
  const rel = ms <= now ? `${formatSpan(now - ms)} ago` : `in ${formatSpan(ms - now)}`;
  return opts.relative
    ? html`<time datetime="${iso}" title="${formatTime(ms)} UTC+8 (${iso})">${rel}</time>`
    : html`<time datetime="${iso}" title="${iso} · ${rel}">${formatTime(ms)}</time>`;
}

/** An order state as a coloured badge. */
export function stateBadge(state: string): Html {
  return html`<span class="badge s-${state}">${state.replace(/_/g, ' ')}</span>`;
}

/** `/admin/orders/<no_order>`, safely encoded. */
export function orderHref(noOrder: string): string {
  return `/admin/orders/${encodeURIComponent(noOrder)}`;
}

/** A number with thousands separators. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
