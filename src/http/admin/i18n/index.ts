// The dashboard's language: English or Simplified Chinese, chosen per request by `?lang=` (which also sets the
// `llrecon_lang` cookie, so the choice sticks), else that cookie, else the browser's Accept-Language. The switch
// in the top bar is a plain link to the same page with `?lang=`: a GET that needs no script (our CSP allows
// none) and no form token (it changes only this browser's preference, kept in its own cookie).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { en, type Messages } from './en.js';
import { zhCN } from './zh-CN.js';

export type { Messages } from './en.js';

export const LANGS = ['en', 'zh-CN'] as const;
export type Lang = (typeof LANGS)[number];

/** Each language's name in itself (proper names: shown as they are in both languages). */
export const LANG_NAMES: Readonly<Record<Lang, string>> = { en: 'English', 'zh-CN': '简体中文' };

export const CATALOGUES: Readonly<Record<Lang, Messages>> = { en, 'zh-CN': zhCN };

/** The cookie that keeps a browser's choice. */
export const LANG_COOKIE = 'llrecon_lang';
const LANG_COOKIE_MAX_AGE = 365 * 86_400;

/** What a page is rendered with: the language, its catalogue, and where the switch to each language goes. */
export interface Locale {
  lang: Lang;
  t: Messages;
  /** The address of this page in `lang`. */
  switchHref: (lang: Lang) => string;
}

/** `en`, `zh-CN` and their usual spellings (`zh`, `zh-cn`, `zh-Hans`, `zh-Hans-CN`, `en-US` …); null otherwise. */
export function parseLang(x: unknown): Lang | null {
  if (typeof x !== 'string') return null;
  const tag = x.trim().toLowerCase();
  if (tag === 'en' || tag.startsWith('en-')) return 'en';
  // Simplified Chinese only: Traditional (zh-TW, zh-HK, zh-Hant) is not offered, English is the default then
  if (tag === 'zh' || tag === 'zh-cn' || tag === 'zh-sg' || tag.startsWith('zh-hans')) return 'zh-CN';
  return null;
}

/** The best of our languages for an Accept-Language header (by q, then order); English when none fits. */
export function fromAcceptLanguage(header: string | undefined): Lang {
  if (!header) return 'en';
  const ranked = header
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { lang: parseLang(tag), q: q === undefined ? 1 : Number(q), i };
    })
    .filter((x): x is { lang: Lang; q: number; i: number } => x.lang !== null && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return ranked[0]?.lang ?? 'en';
}

function queryLang(req: FastifyRequest): Lang | null {
  const q = req.query;
  return typeof q === 'object' && q !== null ? parseLang((q as Record<string, unknown>).lang) : null;
}

/** The language of a request: `?lang=`, the cookie, Accept-Language. */
export function langOf(req: FastifyRequest): Lang {
  return queryLang(req) ?? parseLang(req.cookies?.[LANG_COOKIE]) ?? fromAcceptLanguage(req.headers['accept-language']);
}

/** This page's address in `lang`: a GET keeps its path and query; after a post, the orders page. */
export function switchHref(req: FastifyRequest, lang: Lang): string {
  const url = new URL(req.method === 'GET' || req.method === 'HEAD' ? req.url : '/admin/orders', 'http://x');
  url.searchParams.set('lang', lang);
  return `${url.pathname}${url.search}`;
}

export function localeOf(req: FastifyRequest): Locale {
  const lang = langOf(req);
  return { lang, t: CATALOGUES[lang], switchHref: (to) => switchHref(req, to) };
}

/** Remember a `?lang=` choice in the browser's cookie (an onRequest hook of the admin plugin). */
export function rememberLang(req: FastifyRequest, reply: FastifyReply): void {
  const lang = queryLang(req);
  if (lang === null || req.cookies?.[LANG_COOKIE] === lang) return;
  reply.setCookie(LANG_COOKIE, lang, {
    path: '/admin',
    httpOnly: true,
    sameSite: 'lax',
    secure: req.protocol === 'https',
    maxAge: LANG_COOKIE_MAX_AGE,
  });
}

/** A catalogue map's text for `key`, or the key itself (a state or reason this build has no words for). */
export function label(map: object, key: string): string {
  const v = (map as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : key;
}
