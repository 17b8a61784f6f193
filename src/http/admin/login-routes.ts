// GET/POST /admin/login (the token form, which sets the session cookie), GET/POST /admin/logout, GET /admin.
import type { FastifyInstance } from 'fastify';
import { LlreconError } from '../../errors.js';
import { safeEqual } from '../auth.js';
import { adminAuth } from './guard.js';
import { loginPage, logoutPage } from './pages/login.js';
import { sendError, sendPage, wantsHtml } from './reply.js';
import { SESSION_COOKIE, SESSION_TTL_MS, issueSession, sessionCookieOptions, type AdminKeys } from './session.js';

/** Where the login page starts. */
export const LOGIN_ROUTE = '/admin/login';
const HOME = '/admin/orders';

/** A page of ours to go back to after logging in; anything else (another site, the login page) goes home. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > 2000) return HOME;
  if (!next.startsWith('/admin/') || next.startsWith(LOGIN_ROUTE) || /[\\\s]|\/\//.test(next)) return HOME;
  return next;
}

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

export function registerLoginRoutes(admin: FastifyInstance, o: { token: string | null; keys: AdminKeys | null; now: () => number }): void {
  admin.get('/', async (_req, reply) => reply.code(303).header('location', HOME).send());

  admin.get('/login', async (req, reply) => {
    const next = safeNext((req.query as Record<string, unknown>).next);
    if (adminAuth(req)) return reply.code(303).header('location', next).send();
    return sendPage(reply, 200, loginPage({ next, error: null }));
  });

  admin.post('/login', async (req, reply) => {
    const next = safeNext(field(req.body, 'next'));
    const sent = field(req.body, 'token');
    const ok = typeof sent === 'string' && o.token !== null && safeEqual(sent.trim(), o.token);
    if (!ok || o.keys === null) {
      const err = new LlreconError(
        'LLRECON_FORBIDDEN',
        typeof sent === 'string' && sent !== '' ? 'That is not the admin token.' : 'Enter the admin token.',
      );
      return wantsHtml(req) ? sendPage(reply, err.status, loginPage({ next, error: err.message })) : sendError(req, reply, err);
    }
    const { cookie } = issueSession(o.keys, o.now());
    reply.setCookie(SESSION_COOKIE, cookie, sessionCookieOptions(req.protocol === 'https', Math.floor(SESSION_TTL_MS / 1000)));
    return reply.code(303).header('location', next).send();
  });

  admin.get('/logout', async (req, reply) => sendPage(reply, 200, logoutPage(adminAuth(req)?.csrf ?? '')));

  admin.post('/logout', async (req, reply) => {
    reply.clearCookie(SESSION_COOKIE, { path: '/admin' });
    return reply.code(303).header('location', LOGIN_ROUTE).send();
  });
}
