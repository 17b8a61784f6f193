// The admin session cookie: it carries the session's random secret (see src/auth/sessions.ts, which keeps the
// session itself in Redis, so that logging out, removing a user or rotating a token ends it).
import { SESSION_ABSOLUTE_MS } from '../../auth/sessions.js';

/** The session cookie's name (scoped to Path=/admin). */
export const SESSION_COOKIE = 'llrecon_admin';

/**
 * Attributes of the session cookie: HttpOnly, SameSite=Strict, Path=/admin, Secure when served over https
 * (directly, or behind a TRUST_PROXY proxy that says so); the browser drops it at the session's absolute end.
 */
export function sessionCookieOptions(secure: boolean, maxAgeSeconds = Math.floor(SESSION_ABSOLUTE_MS / 1000)) {
  return { httpOnly: true, sameSite: 'strict' as const, path: '/admin', secure, maxAge: maxAgeSeconds };
}
