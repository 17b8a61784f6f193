// The login form: one field, the user's token (ADMIN_TOKEN's, or one of ADMIN_USERS_FILE's users).
import { CSRF_FIELD } from '../csrf.js';
import { html, type Html } from '../html.js';
import type { Locale } from '../i18n/index.js';
import { layout } from './layout.js';

export function loginPage(o: { locale: Locale; next: string; error: string | null }): Html {
  const t = o.locale.t;
  return layout({
    locale: o.locale,
    title: t.loginTitle,
    section: null,
    csrf: null,
    body: html`<div class="card login">
      <h1>${t.loginTitle}</h1>
      <p class="muted">${t.loginHint}</p>
      <form method="post" action="/admin/login">
        <input type="hidden" name="next" value="${o.next}" />
        <div class="field">
          <label for="token">${t.tokenLabel}</label>
          <input id="token" name="token" type="password" autocomplete="off" required autofocus />
          ${o.error ? html`<div class="error" role="alert">${o.error}</div>` : null}
        </div>
        <button class="primary" type="submit">${t.loginTitle}</button>
      </form>
    </div>`,
  });
}

/** Confirmation for a GET of the log-out address (links cannot post). */
export function logoutPage(locale: Locale, csrf: string): Html {
  const t = locale.t;
  return layout({
    locale,
    title: t.logOut,
    section: null,
    csrf,
    body: html`<div class="card login">
      <h1>${t.logoutTitle}</h1>
      <form method="post" action="/admin/logout">
        <input type="hidden" name="${CSRF_FIELD}" value="${csrf}" />
        <button class="primary" type="submit">${t.logOut}</button>
      </form>
    </div>`,
  });
}
