// A page that only says something: a refusal, a missing order, a bad filter.
import { html, type Html } from '../html.js';
import type { Locale } from '../i18n/index.js';
import { layout, type Section, type SignedIn } from './layout.js';

export function messagePage(o: {
  locale: Locale;
  title: string;
  message: string;
  code?: string;
  /** The request field the error names (shown as a code: the message may be a translation without it). */
  field?: string | undefined;
  csrf: string | null;
  user?: SignedIn | null;
  section?: Section;
  back?: { href: string; label: string };
}): Html {
  return layout({
    locale: o.locale,
    title: o.title,
    section: o.section ?? null,
    csrf: o.csrf,
    user: o.user ?? null,
    body: html`<div class="card narrow">
      <h1>${o.title}</h1>
      <p>${o.message}</p>
      ${
        o.code
          ? html`<p class="muted small">
              ${o.locale.t.errCode} <code>${o.code}</code>${o.field ? html` · ${o.locale.t.errField} <code>${o.field}</code>` : null}
            </p>`
          : null
      }
      ${o.back ? html`<p><a href="${o.back.href}">${o.back.label}</a></p>` : null}
    </div>`,
  });
}
