// The API's bearer-token check: `Authorization: Bearer <token>` of a user (ADMIN_TOKEN's `admin`, or one of
// ADMIN_USERS_FILE). No credentials: 401 with `WWW-Authenticate: Bearer`; a wrong token: 403; repeated wrong tokens
// from one address: 429 with Retry-After; a viewer asking to change something: 403 LLRECON_ROLE_FORBIDDEN.
// Secrets are compared in constant time, lengths included.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LlreconError } from '../errors.js';
import { allows, roleError, setPrincipal, throttledError, type Access } from './access.js';

/** A per-process key: the digests compared below are of no use outside this process. */
const COMPARE_KEY = randomBytes(32);

function digest(s: string): Buffer {
  return createHmac('sha256', COMPARE_KEY).update(s, 'utf8').digest();
}

/**
 * Whether two secrets are equal, in time that depends on neither their contents nor their lengths: both are
 * reduced to HMAC-SHA256 digests of one length, which `crypto.timingSafeEqual` compares.
 */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive); null when there is none. */
export function bearerToken(req: Pick<FastifyRequest, 'headers'>): string | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return null;
  const m = /^bearer[ \t]+(\S.*)$/i.exec(header.trim());
  const token = m?.[1]?.trim() ?? '';
  return token === '' ? null : token;
}

/**
 * A request hook (use it as `onRequest`, so that nothing of an unauthenticated request is parsed) that lets
 * through only requests carrying a user's token as a bearer token: any user for GET/HEAD, an operator otherwise.
 * The user is then `principalOf(req)`.
 */
export function requireUser(access: Access): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (req, reply) => {
    const sent = bearerToken(req);
    if (sent === null) {
      reply.header('www-authenticate', 'Bearer realm="llrecon"');
      throw new LlreconError('LLRECON_UNAUTHORIZED', 'a token is required: Authorization: Bearer <token>');
    }
    const check = access.checkToken(req, sent, 'bearer');
    if (check.kind === 'throttled') throw throttledError(reply, check.retryAfterMs);
    if (check.kind === 'wrong') throw new LlreconError('LLRECON_FORBIDDEN', 'wrong API token');
    const { name, role } = check.user;
    const principal = { name, role, via: 'bearer' as const, csrf: '', session: null };
    setPrincipal(req, principal);
    const needed = req.method === 'GET' || req.method === 'HEAD' ? 'viewer' : 'operator';
    if (!allows(principal, needed)) throw roleError(principal, needed);
  };
}
