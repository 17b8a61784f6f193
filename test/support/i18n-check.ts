// What the dashboard-language tests look for: the English catalogue's words (none may show on a Chinese page,
// except proper names and codes, which the Chinese catalogue uses too) and a page's visible text without what is
// data or code by design (`code`, `.mono`, `.data`, `.ret-msg` for LianLian's own message, and the language switch,
// which names each language in itself).
import { en } from '../../src/http/admin/i18n/en.js';
import { zhCN } from '../../src/http/admin/i18n/zh-CN.js';

/** Elements whose text is not the dashboard's own words. */
export const NOT_UI_SELECTOR = 'code, .mono, .data, .ret-msg, .lang, style, script, head';

/** Every text a catalogue can produce: strings, and each function called with a few sample arguments. */
export function catalogueTexts(catalogue: object): string[] {
  const out: string[] = [];
  const visit = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (typeof v === 'function') {
      const fn = v as (...a: unknown[]) => unknown;
      for (const sample of [1, 2, 'capture', null]) out.push(String(fn(...Array.from({ length: fn.length }, () => sample))));
    } else if (v && typeof v === 'object') {
      if ('value' in v && typeof (v as { value: unknown }).value === 'string') out.push((v as { value: string }).value);
      else for (const x of Object.values(v)) visit(x);
    }
  };
  visit(catalogue);
  return out.map((t) => t.replace(/<code>[^<]*<\/code>/g, ' ').replace(/<[^>]*>/g, ' '));
}

/** A word: letters, or an identifier with underscores (`ADMIN_TOKEN`, `no_order` are one word each). */
const WORD = /[A-Za-z][A-Za-z_]*[A-Za-z]/g;

const words = (texts: readonly string[]): Set<string> =>
  new Set(
    texts
      .flatMap((t) => t.match(WORD) ?? [])
      .filter((w) => w.length >= 3)
      .map((w) => w.toLowerCase()),
  );

/** English words of the UI that the Chinese catalogue does not use (so: not a proper name or a code). */
export function englishOnlyWords(): Set<string> {
  const zh = words(catalogueTexts(zhCN));
  return new Set([...words(catalogueTexts(en))].filter((w) => !zh.has(w)));
}

/** The words of `text` that are English UI words. */
export function englishIn(text: string, banned: ReadonlySet<string> = englishOnlyWords()): string[] {
  return [...new Set((text.match(WORD) ?? []).map((w) => w.toLowerCase()).filter((w) => banned.has(w)))];
}

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);

function skipped(tag: string, attrs: string): boolean {
  if (['code', 'style', 'script', 'head', 'title'].includes(tag)) return true;
  const cls = /\bclass="([^"]*)"/.exec(attrs)?.[1]?.split(/\s+/) ?? [];
  return cls.some((c) => c === 'mono' || c === 'data' || c === 'ret-msg' || c === 'lang');
}

/** The text a reader sees of server-rendered `html`, without the NOT_UI_SELECTOR elements (a small tokenizer). */
export function visibleUiText(html: string): string {
  const out: string[] = [];
  const stack: Array<{ tag: string; skip: boolean }> = [];
  const re = /<!--[\s\S]*?-->|<!doctype[^>]*>|<\/?([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>|([^<]+)/gi;
  for (let m = re.exec(html); m !== null; m = re.exec(html)) {
    const [all, tagName, attrs = '', text] = m;
    const hidden = stack.some((s) => s.skip);
    if (text !== undefined) {
      if (!hidden) out.push(text);
      continue;
    }
    if (!tagName) continue;
    const tag = tagName.toLowerCase();
    if (all.startsWith('</')) {
      const at = stack.map((s) => s.tag).lastIndexOf(tag);
      if (at >= 0) stack.length = at;
    } else if (!VOID.has(tag) && !attrs.trim().endsWith('/')) stack.push({ tag, skip: skipped(tag, attrs) });
    out.push(' ');
  }
  return out
    .join('')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#0?39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}
