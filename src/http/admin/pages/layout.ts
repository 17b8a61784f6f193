// The frame of every admin page: head, the top bar with navigation (Orders / Callbacks / Settlements / Jobs, and Sessions for
// operators), who is signed in, the language switch, and Log out — in the page's language.
import { CSRF_FIELD } from '../csrf.js';
import { html, raw, type Html } from '../html.js';
import { LANGS, LANG_NAMES, label, type Locale } from '../i18n/index.js';
import { STYLE } from '../style.js';

export type Section = 'orders' | 'callbacks' | 'settlements' | 'sessions' | null;

/** Who is signed in, as the top bar shows it. */
export interface SignedIn {
  name: string;
  role: 'viewer' | 'operator';
}

export interface LayoutOptions {
  /** The page's language (its catalogue, and the switch's addresses). */
  locale: Locale;
  title: string;
  /** The nav entry to highlight. */
  section: Section;
  /** CSRF token for the log-out form; null on pages shown before login. */
  csrf: string | null;
  /** Who is signed in (shown in the top bar; operators also see Sessions). */
  user?: SignedIn | null;
  body: Html;
}

function navLink(href: string, label: string, on: boolean): Html {
  return html`<a href="${href}" class="${on ? 'on' : ''}">${label}</a>`;
}

/**
 * The stylesheet, built outside the html template: its text must be exactly STYLE, whose hash the CSP allows
 * (a formatter re-indenting the template once added whitespace inside the element, and browsers refused it).
 */
const STYLE_ELEMENT = raw(`<style>${STYLE}</style>`);

/** The language switch: each language named in itself, the current one marked; plain links (no script, no form). */
function langSwitch(locale: Locale): Html {
  return html`<span class="lang" role="group" aria-label="${locale.t.languageLabel}"
    >${LANGS.map((l) =>
      l === locale.lang
        ? html`<strong lang="${l}" aria-current="true">${LANG_NAMES[l]}</strong>`
        : html`<a lang="${l}" hreflang="${l}" href="${locale.switchHref(l)}">${LANG_NAMES[l]}</a>`,
    )}</span
  >`;
}

/** A whole HTML document. */
export function layout(o: LayoutOptions): Html {
  const t = o.locale.t;
  const nav =
    o.csrf === null
      ? html``
      : html`<nav>
            ${navLink('/admin/orders', t.navOrders, o.section === 'orders')}
            ${navLink('/admin/callbacks', t.navCallbacks, o.section === 'callbacks')}
            ${navLink('/admin/settlements', t.navSettlements, o.section === 'settlements')} ${navLink('/admin/queues', t.navJobs, false)}
            ${o.user?.role === 'operator' ? navLink('/admin/sessions', t.navSessions, o.section === 'sessions') : null}
          </nav>
          ${o.user ? html`<span class="who" title="${t.signedInAs}">${o.user.name} <small>${label(t.roles, o.user.role)}</small></span>` : null}`;
  const logout =
    o.csrf === null
      ? null
      : html`<form method="post" action="/admin/logout">
          <input type="hidden" name="${CSRF_FIELD}" value="${o.csrf}" />
          <button type="submit">${t.logOut}</button>
        </form>`;
  return html`<!doctype html>
    <html lang="${o.locale.lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>${o.title} · llrecon</title>
        ${STYLE_ELEMENT}
      </head>
      <body>
        <header class="top">
          <div class="brand">llrecon<small>${t.brandTagline}</small></div>
          ${nav} ${langSwitch(o.locale)} ${logout}
        </header>
        <main>${o.body}</main>
      </body>
    </html> `;
}
