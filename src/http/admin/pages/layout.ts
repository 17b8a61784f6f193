// The frame of every admin page: head, the top bar with navigation (Orders / Callbacks / Jobs / Log out).
import { CSRF_FIELD } from '../csrf.js';
import { html, raw, type Html } from '../html.js';
import { STYLE } from '../style.js';

export type Section = 'orders' | 'callbacks' | null;

export interface LayoutOptions {
  title: string;
  /** The nav entry to highlight. */
  section: Section;
  /** CSRF token for the log-out form; null on pages shown before login. */
  csrf: string | null;
  body: Html;
}

function navLink(href: string, label: string, on: boolean): Html {
  return html`<a href="${href}" class="${on ? 'on' : ''}">${label}</a>`;
}

/** A whole HTML document. */
export function layout(o: LayoutOptions): Html {
  const nav =
    o.csrf === null
      ? html``
      : html`<nav>
            ${navLink('/admin/orders', 'Orders', o.section === 'orders')}
            ${navLink('/admin/callbacks', 'Callbacks', o.section === 'callbacks')} ${navLink('/admin/queues', 'Jobs', false)}
          </nav>
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
        <style>
          ${raw(STYLE)}
        </style>
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
