// Small formatters shared by the admin pages. Times are shown in UTC+8, LianLian's own time zone, like dt_order.
import { DateTime } from 'luxon';
import { html, type Html } from '../html.js';
import { en, type Messages } from '../i18n/en.js';
import { label } from '../i18n/index.js';

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

/** A duration in words: `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h` (`45 秒` … in Chinese). */
export function formatSpan(ms: number, t: Messages = en): string {
  const u = t.spanUnits;
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} ${u.s}`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} ${u.min}`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} ${u.h} ${m % 60} ${u.min}` : `${h} ${u.h}`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} ${u.d} ${h % 24} ${u.h}` : `${d} ${u.d}`;
}

/** `<time>` with the UTC+8 time, the exact UTC instant as its tooltip, and how long ago / until when. */
export function timeCell(ms: number | null | undefined, now: number, t: Messages, opts: { relative?: boolean } = {}): Html {
  if (ms === null || ms === undefined) return html`<span class="muted">—</span>`;
  const iso = new Date(ms).toISOString();
  const rel = ms <= now ? t.ago(formatSpan(now - ms, t)) : t.inSpan(formatSpan(ms - now, t));
  return opts.relative
    ? html`<time datetime="${iso}" title="${formatTime(ms)} UTC+8 (${iso})">${rel}</time>`
    : html`<time datetime="${iso}" title="${iso} · ${rel}">${formatTime(ms)}</time>`;
}

/** An order state as a coloured badge, named in the page's language (the state's code as its tooltip). */
export function stateBadge(state: string, t: Messages): Html {
  return html`<span class="badge s-${state}" title="${state}">${stateName(state, t)}</span>`;
}

/** An order state in words. */
export function stateName(state: string, t: Messages): string {
  return label(t.states, state).replace(/_/g, ' ');
}

/** `/admin/orders/<no_order>`, safely encoded. */
export function orderHref(noOrder: string): string {
  return `/admin/orders/${encodeURIComponent(noOrder)}`;
}

/** A number with thousands separators. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
