// Cross-site request refusal for the admin pages. A state-changing request authenticated by something the
// browser sends on its own (the session cookie, remembered basic credentials) must come from our own origin
// (Origin, or failing that Referer, equal to the request's scheme://host — behind a TRUST_PROXY proxy, the
// forwarded ones) and, for our own forms, carry the CSRF token of its credential. A bearer token is never sent by
// a browser on its own: such requests are exempt.
import type { FastifyRequest } from 'fastify';
import { safeEqual } from '../auth.js';

/** The hidden form field that carries the CSRF token. */
export const CSRF_FIELD = '_csrf';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** POST, PUT, PATCH, DELETE (anything but GET/HEAD/OPTIONS). */
export function isStateChanging(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

/** Whether `sent` (a form field's value) is the `expected` CSRF token; constant-time. */
export function formTokenMatches(expected: string, sent: unknown): boolean {
  return typeof sent === 'string' && sent.length > 0 && safeEqual(sent, expected);
}

/** The origin the request was made to, `scheme://host[:port]`, lower-cased. */
export function requestOrigin(req: FastifyRequest): string {
  const origin = `${req.protocol}://${req.host}`;
  // normalised as a browser writes an Origin (a forwarded `host:443` behind an https proxy is `https://host`)
  return originOf(origin) ?? origin.toLowerCase();
}

function originOf(url: string): string | null {
  try {
    const origin = new URL(url).origin.toLowerCase();
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/**
 * What the browser says about where the request comes from: `Origin` when sent (an opaque `null` origin counts
 * as foreign), else the origin of `Referer`; `absent` when neither header was sent.
 */
export function originCheck(req: FastifyRequest): 'same' | 'foreign' | 'absent' {
  const origin = req.headers.origin;
  const referer = req.headers.referer;
  const claimed = origin !== undefined ? originOf(origin) : referer !== undefined ? originOf(referer) : undefined;
  if (claimed === undefined) return 'absent';
  return claimed === requestOrigin(req) ? 'same' : 'foreign';
}
