// The login form: one field, the user's token (ADMIN_TOKEN's, or one of ADMIN_USERS_FILE's users).
import { CSRF_FIELD } from '../csrf.js';
import { html, type Html } from '../html.js';
import { layout } from './layout.js';

export function loginPage(o: { next: string; error: string | null }): Html {
  return layout({
    title: 'Log in',
    section: null,
    csrf: null,
    body: html`<div class="card login">
      <h1>Log in</h1>
      <p class="muted">
        Enter your token: the one your administrator gave you, or <code>ADMIN_TOKEN</code> (in sandbox mode the start-up banner shows it).
      </p>
      <form method="post" action="/admin/login">
        <input type="hidden" name="next" value="${o.next}" />
        <div class="field">
          <label for="token">Token</label>
          <input id="token" name="token" type="password" autocomplete="off" required autofocus />
          ${o.error ? html`<div class="error" role="alert">${o.error}</div>` : null}
        </div>
        <button class="primary" type="submit">Log in</button>
      </form>
    </div>`,
  });
}

/** Confirmation for a GET of the log-out address (links cannot post). */
export function logoutPage(csrf: string): Html {
  return layout({
    title: 'Log out',
    section: null,
    csrf,
    body: html`<div class="card login">
      <h1>Log out?</h1>
      <form method="post" action="/admin/logout">
        <input type="hidden" name="${CSRF_FIELD}" value="${csrf}" />
        <button class="primary" type="submit">Log out</button>
      </form>
    </div>`,
  });
}
