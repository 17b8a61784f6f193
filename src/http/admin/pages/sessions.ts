// GET /admin/sessions (operators): who is signed in to the dashboard, from where, since when, until when; each
// session can be ended (its user is signed out at their next request).
import type { SessionInfo } from '../../../auth/sessions.js';
import { CSRF_FIELD } from '../csrf.js';
import { html, type Html } from '../html.js';
import { label, type Locale } from '../i18n/index.js';
import { formatSpan, timeCell } from './format.js';
import { layout, type SignedIn } from './layout.js';

export interface SessionRow extends SessionInfo {
  role: string;
}

export interface SessionsView {
  locale: Locale;
  now: number;
  csrf: string;
  user: SignedIn | null;
  /** The session this page is viewed through (marked, and ending it signs you out). */
  current: string | null;
  sessions: readonly SessionRow[];
  idleMs: number;
  absoluteMs: number;
  flash: string | null;
}

function row(s: SessionRow, v: SessionsView): Html {
  const t = v.locale.t;
  return html`<tr>
    <td>
      <strong>${s.user}</strong>
      <span class="muted small">${label(t.roles, s.role)}</span>${s.id === v.current ? html` <span class="badge">${t.you}</span>` : null}
    </td>
    <td class="mono small">${s.ip}</td>
    <td class="small muted data" title="${s.agent}">${s.agent.length > 60 ? `${s.agent.slice(0, 60)}…` : s.agent}</td>
    <td class="nowrap">${timeCell(s.createdAt, v.now, t)}</td>
    <td class="nowrap">${timeCell(s.lastSeenAt, v.now, t, { relative: true })}</td>
    <td class="nowrap">${timeCell(s.idleEndsAt, v.now, t, { relative: true })}</td>
    <td>
      <form method="post" action="/admin/sessions/${encodeURIComponent(s.id)}/end">
        <input type="hidden" name="${CSRF_FIELD}" value="${v.csrf}" />
        <button class="ghost" type="submit">${t.endSession}</button>
      </form>
    </td>
  </tr>`;
}

export function sessionsPage(v: SessionsView): Html {
  const t = v.locale.t;
  return layout({
    locale: v.locale,
    title: t.navSessions,
    section: 'sessions',
    csrf: v.csrf,
    user: v.user,
    body: html`<h1>${t.navSessions}</h1>
      <p class="sub">${t.sessionsSub(formatSpan(v.idleMs, t), formatSpan(v.absoluteMs, t))}</p>
      ${v.flash ? html`<div class="callout ok" role="status"><div class="grow">${v.flash}</div></div>` : null}
      <div class="card">
        ${
          v.sessions.length === 0
            ? html`<div class="empty">${t.noSession}</div>`
            : html`<table>
                <thead>
                  <tr>
                    <th>${t.colUser}</th>
                    <th>${t.colAddress}</th>
                    <th>${t.colBrowser}</th>
                    <th>${t.colSignedIn}</th>
                    <th>${t.colLastSeen}</th>
                    <th>${t.colEndsIfUnused}</th>
                    <th></th>
                  </tr>
                </thead>
                <tbody>
                  ${v.sessions.map((s) => row(s, v))}
                </tbody>
              </table>`
        }
      </div>`,
  });
}
