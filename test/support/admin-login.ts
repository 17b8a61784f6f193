// Signing in to the admin pages the way a browser does: POST the token to the login form, keep the session cookie.
import { expect } from 'vitest';
import { SESSION_COOKIE } from '../../src/http/admin/session.js';

/**
 * Logs in at `base` (e.g. `http://127.0.0.1:1234`) with `token`; returns the `Cookie` header value that carries
 * the session (`llrecon_admin=…`). Fails the test unless the form answers 303 with that cookie.
 */
export async function adminLogin(base: string, token: string): Promise<string> {
  const res = await fetch(`${base}/admin/login`, {
    method: 'POST',
    body: new URLSearchParams({ token }),
    redirect: 'manual',
  });
  expect(res.status, 'the login form answers a redirect').toBe(303);
  const set = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  expect(set, 'the login form sets the session cookie').toBeDefined();
  return (set as string).split(';')[0] as string;
}
