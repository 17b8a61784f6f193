// GET/POST /admin/login (the token form, which starts a session and sets its cookie), GET/POST /admin/logout
// (which ends the session in Redis, not only the cookie), GET /admin.
import type { FastifyInstance } from 'fastify';
import { tokenFingerprint } from '../../auth/users.js';
import { LlreconError } from '../../errors.js';
import { sourceAddress, throttledError, type Access } from '../access.js';
import { adminAuth } from './guard.js';
import { localeOf } from './i18n/index.js';
import { loginPage, logoutPage } from './pages/login.js';
import { PUBLIC_ROUTES } from './permissions.js';
import { sendError, sendPage, wantsHtml } from './reply.js';
import { SESSION_COOKIE, sessionCookieOptions } from './session.js';

/** Where the login page starts. */
export const LOGIN_ROUTE = [...PUBLIC_ROUTES][0] as string;
const HOME = '/admin/orders';
const TOKEN_MAX = 512;

/** A page of ours to go back to after logging in; anything else (another site, the login page) goes home. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > 2000) return HOME;
  if (!next.startsWith('/admin/') || next.startsWith(LOGIN_ROUTE) || /[\\\s]|\/\//.test(next)) return HOME;
  return next;
}

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

export function registerLoginRoutes(admin: FastifyInstance, access: Access): void {
  admin.get('/', async (_req, reply) => reply.code(303).header('location', HOME).send());

  admin.get('/login', async (req, reply) => {
    const next = safeNext((req.query as Record<string, unknown>).next);
    if (adminAuth(req)) return reply.code(303).header('location', next).send();
    return sendPage(reply, 200, loginPage({ locale: localeOf(req), next, error: null }));
  });

  admin.post('/login', async (req, reply) => {
    const next = safeNext(field(req.body, 'next'));
    const sent = field(req.body, 'token');
    const token = typeof sent === 'string' ? sent.trim() : '';
    const locale = localeOf(req);
    /** Refused: the form again with why (in the page's language), or the API's error for non-browsers. */
    const refuse = (err: LlreconError, shown: string) =>
      wantsHtml(req) ? sendPage(reply, err.status, loginPage({ locale, next, error: shown })) : sendError(req, reply, err);
    if (token === '' || token.length > TOKEN_MAX)
      return refuse(new LlreconError('LLRECON_FORBIDDEN', 'Enter your token.'), locale.t.loginEmpty);
    const check = access.checkToken(req, token, 'login');
    if (check.kind === 'throttled') {
      const err = throttledError(reply, check.retryAfterMs);
      return refuse(err, locale.t.errorMessage(err.code, err.message));
    }
    if (check.kind === 'wrong') return refuse(new LlreconError('LLRECON_FORBIDDEN', 'That token is not valid.'), locale.t.loginWrong);
    if (access.sessions === null) throw new LlreconError('LLRECON_INTERNAL', 'no session store');
    const now = access.now();
    const { secret } = await access.sessions.create(
      check.user.name,
      tokenFingerprint(check.user),
      { ip: sourceAddress(req), agent: req.headers['user-agent'] },
      now,
    );
    req.log.info({ user: check.user.name, ip: sourceAddress(req) }, 'signed in');
    reply.setCookie(SESSION_COOKIE, secret, sessionCookieOptions(req.protocol === 'https', Math.floor(access.sessions.absoluteMs / 1000)));
    return reply.code(303).header('location', next).send();
  });

  admin.get('/logout', async (req, reply) => sendPage(reply, 200, logoutPage(localeOf(req), adminAuth(req)?.csrf ?? '')));

  admin.post('/logout', async (req, reply) => {
    const p = adminAuth(req);
    if (p?.session && access.sessions) await access.sessions.end(p.session.id);
    reply.clearCookie(SESSION_COOKIE, { path: '/admin' });
    return reply.code(303).header('location', LOGIN_ROUTE).send();
  });
}
