// Who may use the admin pages: every /admin route but the login form needs the admin token, given as
// `Authorization: Bearer <token>`, as the password of basic auth, or through the session cookie the login form
// sets. Without any: browsers are sent to the login form (303), others get 401; a wrong token gets 403.
// State-changing requests authenticated by an ambient credential (cookie, basic) also pass the CSRF checks.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LlreconError } from '../../errors.js';
import { bearerToken, safeEqual } from '../auth.js';
import { CSRF_FIELD, csrfToken, formTokenMatches, isStateChanging, originCheck } from './csrf.js';
import { sendError, wantsHtml } from './reply.js';
import { SESSION_COOKIE, readSession, type AdminKeys } from './session.js';

/** How a request proved it holds the admin token. */
export interface AdminAuth {
  via: 'bearer' | 'basic' | 'session';
  /** The CSRF token that this credential's forms carry. */
  csrf: string;
}

type Identified = { kind: 'ok'; auth: AdminAuth } | { kind: 'none'; staleCookie: boolean } | { kind: 'wrong' };

const authOf = new WeakMap<FastifyRequest, AdminAuth>();

/** The credential of a request the guard let through (null on the public login routes when not logged in). */
export function adminAuth(req: FastifyRequest): AdminAuth | null {
  return authOf.get(req) ?? null;
}

export interface GuardOptions {
  /** The admin token; null or empty: nothing is accepted. */
  token: string | null;
  keys: AdminKeys | null;
  now: () => number;
  /** Routes reachable without credentials (the login form). */
  publicRoutes: ReadonlySet<string>;
  /** Routes under this prefix (bull-board's) are checked by origin only: their UI cannot carry our form token. */
  originOnlyPrefix: string;
}

function basicPassword(header: string): string | null {
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : decoded.slice(colon + 1);
}

function identify(req: FastifyRequest, o: GuardOptions): Identified {
  const token = o.token || null;
  const header = req.headers.authorization;
  if (header !== undefined && /^bearer\s/i.test(header)) {
    const sent = bearerToken(req);
    if (sent === null) return { kind: 'none', staleCookie: false };
    if (token === null || o.keys === null || !safeEqual(sent, token)) return { kind: 'wrong' };
    return { kind: 'ok', auth: { via: 'bearer', csrf: csrfToken(o.keys, 'bearer') } };
  }
  if (header !== undefined && /^basic\s/i.test(header)) {
    const sent = basicPassword(header);
    if (sent === null) return { kind: 'none', staleCookie: false };
    if (token === null || o.keys === null || !safeEqual(sent, token)) return { kind: 'wrong' };
    return { kind: 'ok', auth: { via: 'basic', csrf: csrfToken(o.keys, 'basic') } };
  }
  const cookie = req.cookies[SESSION_COOKIE];
  if (cookie === undefined) return { kind: 'none', staleCookie: false };
  const session = token === null || o.keys === null ? null : readSession(o.keys, cookie, o.now());
  if (session === null || o.keys === null) return { kind: 'none', staleCookie: true };
  return { kind: 'ok', auth: { via: 'session', csrf: csrfToken(o.keys, `session:${session.id}`) } };
}

function refuseCsrf(req: FastifyRequest, reply: FastifyReply, why: string): FastifyReply {
  return sendError(req, reply, new LlreconError('LLRECON_CSRF', `cross-site request refused: ${why}`));
}

/** The login page to send a browser to, coming back to `req`'s page afterwards. */
function loginLocation(req: FastifyRequest): string {
  return req.method === 'GET' ? `/admin/login?next=${encodeURIComponent(req.url)}` : '/admin/login';
}

/** Install the admin guard (authentication and CSRF checks) on every route of `admin` and its children. */
export function installGuard(admin: FastifyInstance, o: GuardOptions): void {
  admin.addHook('onRequest', async (req, reply) => {
    const id = identify(req, o);
    if (id.kind === 'wrong') return sendError(req, reply, new LlreconError('LLRECON_FORBIDDEN', 'wrong admin token'));
    const isPublic = req.routeOptions.url !== undefined && o.publicRoutes.has(req.routeOptions.url);
    if (id.kind === 'ok') authOf.set(req, id.auth);
    if (isPublic) {
      // logging in from a foreign page (login CSRF) is refused; clients that send no origin at all may log in
      if (isStateChanging(req.method) && originCheck(req) === 'foreign')
        return refuseCsrf(req, reply, 'the form was not sent from this site');
      return;
    }
    if (id.kind === 'none') {
      if (id.staleCookie) reply.clearCookie(SESSION_COOKIE, { path: '/admin' });
      if (wantsHtml(req)) return reply.code(303).header('location', loginLocation(req)).send();
      reply.header('www-authenticate', 'Bearer realm="llrecon admin"');
      return sendError(
        req,
        reply,
        new LlreconError('LLRECON_UNAUTHORIZED', 'the admin token is required (Authorization: Bearer …, or log in)'),
      );
    }
    if (id.auth.via !== 'bearer' && isStateChanging(req.method) && originCheck(req) !== 'same')
      return refuseCsrf(req, reply, 'Origin or Referer must name this site');
  });

  admin.addHook('preHandler', async (req, reply) => {
    const auth = authOf.get(req);
    if (!auth || auth.via === 'bearer' || !isStateChanging(req.method)) return;
    const url = req.routeOptions.url ?? '';
    if (o.publicRoutes.has(url) || url.startsWith(o.originOnlyPrefix)) return;
    const body = req.body;
    const sent = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[CSRF_FIELD] : undefined;
    if (!formTokenMatches(auth.csrf, sent)) return refuseCsrf(req, reply, 'missing or wrong form token');
  });
}
