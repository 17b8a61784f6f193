// Who may use the admin pages: every /admin route but the login form needs a user, signed in by their token (as
// `Authorization: Bearer <token>`, or as the password of basic auth) or by the session cookie the login form
// sets. Without any: browsers are sent to the login form (303), others get 401; a wrong token gets 403, and
// repeated wrong tokens from one address 429 (see src/auth/throttle.ts). Then: state-changing requests
// authenticated by an ambient credential (cookie, basic) pass the CSRF checks; and the route must allow the
// user's role (see permissions.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LlreconError } from '../../errors.js';
import { allows, csrfFor, principalOf, roleError, setPrincipal, throttledError, type Access, type Principal } from '../access.js';
import { bearerToken } from '../auth.js';
import { CSRF_FIELD, formTokenMatches, isStateChanging, originCheck } from './csrf.js';
import { JOB_BOARD_PATH, requirement } from './permissions.js';
import { sendError, wantsHtml } from './reply.js';
import { SESSION_COOKIE } from './session.js';

type Identified =
  | { kind: 'ok'; principal: Principal }
  | { kind: 'none'; staleCookie: boolean }
  | { kind: 'wrong' }
  | { kind: 'throttled'; retryAfterMs: number };

/** The user a request was let through as (null on the public login routes when not signed in). */
export function adminAuth(req: FastifyRequest): Principal | null {
  return principalOf(req);
}

function basicPassword(header: string): string | null {
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 || colon === decoded.length - 1 ? null : decoded.slice(colon + 1);
}

async function identify(req: FastifyRequest, access: Access): Promise<Identified> {
  const header = req.headers.authorization;
  const scheme = header === undefined ? null : /^(bearer|basic)\s/i.exec(header)?.[1]?.toLowerCase();
  if (header !== undefined && (scheme === 'bearer' || scheme === 'basic')) {
    const sent = scheme === 'bearer' ? bearerToken(req) : basicPassword(header);
    if (sent === null) return { kind: 'none', staleCookie: false };
    const check = access.checkToken(req, sent, scheme);
    if (check.kind !== 'ok') return check;
    const { name, role } = check.user;
    return { kind: 'ok', principal: { name, role, via: scheme, csrf: csrfFor(sent, scheme), session: null } };
  }
  const cookie = req.cookies[SESSION_COOKIE];
  if (cookie === undefined) return { kind: 'none', staleCookie: false };
  const principal = await access.sessionPrincipal(cookie);
  return principal === null ? { kind: 'none', staleCookie: true } : { kind: 'ok', principal };
}

function refuseCsrf(req: FastifyRequest, reply: FastifyReply, why: string): FastifyReply {
  return sendError(req, reply, new LlreconError('LLRECON_CSRF', `cross-site request refused: ${why}`));
}

/** The login page to send a browser to, coming back to `req`'s page afterwards. */
function loginLocation(req: FastifyRequest): string {
  return req.method === 'GET' ? `/admin/login?next=${encodeURIComponent(req.url)}` : '/admin/login';
}

/** Install the admin guard (authentication, CSRF, roles) on every route of `admin` and its children. */
export function installGuard(admin: FastifyInstance, access: Access): void {
  admin.addHook('onRequest', async (req, reply) => {
    const pattern = req.routeOptions.url ?? '';
    const needs = requirement(req.method, pattern);
    const id = await identify(req, access);
    if (id.kind === 'throttled') return sendError(req, reply, throttledError(reply, id.retryAfterMs));
    if (id.kind === 'wrong') return sendError(req, reply, new LlreconError('LLRECON_FORBIDDEN', 'wrong token'));
    if (id.kind === 'ok') setPrincipal(req, id.principal);
    if (needs.kind === 'public') {
      // logging in from a foreign page (login CSRF) is refused; clients that send no origin at all may log in
      if (isStateChanging(req.method) && originCheck(req) === 'foreign')
        return refuseCsrf(req, reply, 'the form was not sent from this site');
      return;
    }
    if (id.kind === 'none') {
      if (id.staleCookie) reply.clearCookie(SESSION_COOKIE, { path: '/admin' });
      if (wantsHtml(req)) return reply.code(303).header('location', loginLocation(req)).send();
      reply.header('www-authenticate', 'Bearer realm="llrecon admin"');
      return sendError(req, reply, new LlreconError('LLRECON_UNAUTHORIZED', 'a token is required (Authorization: Bearer …, or log in)'));
    }
    const p = id.principal;
    if (p.via !== 'bearer' && isStateChanging(req.method) && originCheck(req) !== 'same')
      return refuseCsrf(req, reply, 'Origin or Referer must name this site');
    if (needs.kind === 'refused') return sendError(req, reply, new LlreconError('LLRECON_DASHBOARD_ACTION_REFUSED', needs.why), p.csrf);
    if (!allows(p, needs.role)) return sendError(req, reply, roleError(p, needs.role), p.csrf);
  });

  admin.addHook('preHandler', async (req, reply) => {
    const p = principalOf(req);
    if (!p || p.via === 'bearer' || !isStateChanging(req.method)) return;
    const url = req.routeOptions.url ?? '';
    // bull-board's UI cannot carry our form token: its API is checked by origin (above) only
    if (requirement(req.method, url).kind === 'public' || url.startsWith(`${JOB_BOARD_PATH}/`)) return;
    const body = req.body;
    const sent = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[CSRF_FIELD] : undefined;
    if (!formTokenMatches(p.csrf, sent)) return refuseCsrf(req, reply, 'missing or wrong form token');
  });
}
