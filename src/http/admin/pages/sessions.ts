// GET /admin/sessions (operators): who is signed in to the dashboard, from where, since when, until when; each
// session can be ended (its user is signed out at their next request).
import type { SessionInfo } from '../../../auth/sessions.js';
import { CSRF_FIELD } from '../csrf.js';
import { html, type Html } from '../html.js';
import { formatSpan, timeCell } from './format.js';
import { layout, type SignedIn } from './layout.js';

export interface SessionRow extends SessionInfo {
  role: string;
}

export interface SessionsView {
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
  return html`<tr>
    <td>
      <strong>${s.user}</strong>
      <span class="muted small">${s.role}</span>${s.id === v.current ? html` <span class="badge">you</span>` : null}
    </td>
    <td class="mono small">${s.ip}</td>
    <td class="small muted" title="${s.agent}">${s.agent.length > 60 ? `${s.agent.slice(0, 60)}…` : s.agent}</td>
    <td class="nowrap">${timeCell(s.createdAt, v.now)}</td>
    <td class="nowrap">${timeCell(s.lastSeenAt, v.now, { relative: true })}</td>
    <td class="nowrap">${timeCell(s.idleEndsAt, v.now, { relative: true })}</td>
    <td>
      <form method="post" action="/admin/sessions/${encodeURIComponent(s.id)}/end">
        <input type="hidden" name="${CSRF_FIELD}" value="${v.csrf}" />
        <button class="ghost" type="submit">End</button>
      </form>
    </td>
  </tr>`;
}

export function sessionsPage(v: SessionsView): Html {
  return layout({
    title: 'Sessions',
    section: 'sessions',
    csrf: v.csrf,
    user: v.user,
    body: html`<h1>Sessions</h1>
      <p class="sub">
        Dashboard sign-ins, newest first. A session ends after ${formatSpan(v.idleMs)} unused and ${formatSpan(v.absoluteMs)} after its
        login; logging out, removing its user from ADMIN_USERS_FILE or changing their token ends it at once. Bearer-token calls have no
        session.
      </p>
      ${v.flash ? html`<div class="callout ok" role="status"><div class="grow">${v.flash}</div></div>` : null}
      <div class="card">
        ${
          v.sessions.length === 0
            ? html`<div class="empty">No session.</div>`
            : html`<table>
                <thead>
                  <tr>
                    <th>User</th>
                    <th>Address</th>
                    <th>Browser</th>
                    <th>Signed in</th>
                    <th>Last seen</th>
                    <th>Ends if unused</th>
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
