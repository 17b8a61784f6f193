// The frame of every admin page: head, the top bar with navigation (Orders / Callbacks / Settlements / Jobs, and Sessions for
// operators), who is signed in, and Log out.
import { CSRF_FIELD } from '../csrf.js';
import { html, raw, type Html } from '../html.js';
import { STYLE } from '../style.js';

export type Section = 'orders' | 'callbacks' | 'settlements' | 'sessions' | null;

/** Who is signed in, as the top bar shows it. */
export interface SignedIn {
  name: string;
  role: 'viewer' | 'operator';
}

export interface LayoutOptions {
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

/** A whole HTML document. */
export function layout(o: LayoutOptions): Html {
  const nav =
    o.csrf === null
      ? html``
      : html`<nav>
            ${navLink('/admin/orders', 'Orders', o.section === 'orders')}
            ${navLink('/admin/callbacks', 'Callbacks', o.section === 'callbacks')}
            ${navLink('/admin/settlements', 'Settlements', o.section === 'settlements')} ${navLink('/admin/queues', 'Jobs', false)}
            ${o.user?.role === 'operator' ? navLink('/admin/sessions', 'Sessions', o.section === 'sessions') : null}
          </nav>
          ${o.user ? html`<span class="who" title="signed in as">${o.user.name} <small>${o.user.role}</small></span>` : null}
          <form method="post" action="/admin/logout">
            <input type="hidden" name="${CSRF_FIELD}" value="${o.csrf}" />
            <button type="submit">Log out</button>
          </form>`;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>${o.title} · llrecon</title>
        ${STYLE_ELEMENT}
      </head>
      <body>
        <header class="top">
          <div class="brand">llrecon<small>LianLian pre-auth reconciliation</small></div>
          ${nav}
        </header>
        <main>${o.body}</main>
      </body>
    </html> `;
}
