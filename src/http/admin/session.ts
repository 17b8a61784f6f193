// The admin session: a cookie holding a random session id and an expiry, signed with an HMAC whose key is
// derived from the admin token. No server state: changing ADMIN_TOKEN ends every session.
import { createHmac, randomBytes } from 'node:crypto';
import { safeEqual } from '../auth.js';

/** The session cookie's name (scoped to Path=/admin). */
export const SESSION_COOKIE = 'llrecon_admin';

/** How long a login lasts. */
export const SESSION_TTL_MS = 12 * 3600_000;

/** Keys derived from the admin token, one per purpose, so no HMAC output can stand in for another. */
export interface AdminKeys {
  session: Buffer;
  csrf: Buffer;
}

/** Derive the session and CSRF keys from the admin token. */
export function deriveKeys(adminToken: string): AdminKeys {
  const derive = (label: string) => createHmac('sha256', adminToken).update(`llrecon/admin/${label}/v1`).digest();
  return { session: derive('session'), csrf: derive('csrf') };
}

export interface Session {
  id: string;
  /** Epoch ms after which the session is void. */
  expiresAt: number;
}

/** HMAC-SHA256 of `text`, base64url. */
export function mac(key: Buffer, text: string): string {
  return createHmac('sha256', key).update(text).digest('base64url');
}

/** A new session and the cookie value that carries it: `v1.<id>.<expiry seconds>.<hmac>`. */
export function issueSession(keys: AdminKeys, now: number): { session: Session; cookie: string } {
  const id = randomBytes(18).toString('base64url');
  const exp = Math.floor((now + SESSION_TTL_MS) / 1000);
  const body = `v1.${id}.${exp}`;
  return { session: { id, expiresAt: exp * 1000 }, cookie: `${body}.${mac(keys.session, body)}` };
}

/** The session a cookie value carries, or null when it is malformed, forged or expired. */
export function readSession(keys: AdminKeys, cookie: string | undefined, now: number): Session | null {
  if (!cookie || cookie.length > 200) return null;
  const parts = cookie.split('.');
  if (parts.length !== 4 || parts[0] !== 'v1') return null;
  const [, id, expText, sig] = parts as [string, string, string, string];
  if (!/^[A-Za-z0-9_-]{24}$/.test(id) || !/^\d{1,12}$/.test(expText)) return null;
  if (!safeEqual(sig, mac(keys.session, `v1.${id}.${expText}`))) return null;
  const expiresAt = Number(expText) * 1000;
  return expiresAt > now ? { id, expiresAt } : null;
}

/** Attributes of the session cookie: HttpOnly, SameSite=Strict, Path=/admin, Secure when served over https. */
export function sessionCookieOptions(secure: boolean, maxAgeSeconds: number) {
  return { httpOnly: true, sameSite: 'strict' as const, path: '/admin', secure, maxAge: maxAgeSeconds };
}
