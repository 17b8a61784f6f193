// Server-rendered HTML without a template engine: a tagged template that escapes every interpolated value
// unless it is already `Html` (the result of another `html` template, or a deliberate `raw()`).
import { escapeHtml } from '../../escape-html.js';

/** A fragment of HTML that is safe to insert as is. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Interpolated value: text (escaped), `Html` (kept), arrays of either (joined), null/undefined/false (nothing). */
export type Interpolation = Html | string | number | boolean | null | undefined | readonly Interpolation[];

function render(v: Interpolation): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Html) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

/** `html\`<p>${userText}</p>\`` — every interpolation is escaped unless it is `Html`. */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i] as Interpolation) + (strings[i + 1] ?? '');
  return new Html(out);
}

/** Trusted markup (constants of this module tree only, never request data). */
export function raw(trusted: string): Html {
  return new Html(trusted);
}
