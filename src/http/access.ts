// Who is asking, for the API and the admin pages: a user found by their bearer token (or basic password, or the
// login form's token), or by their session cookie; what they may do (their role); and the throttle on failed
// attempts per source address. A failure is logged at warn with the address, the route pattern and how it was
// tried — never the token, the cookie or the raw URL — and counted in llrecon_auth_failures_total.
import { createHmac } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import type { Engine } from '../engine-types.js';
import { LlreconError } from '../errors.js';
import type { SessionInfo, SessionStore } from '../auth/sessions.js';
import { AuthThrottle } from '../auth/throttle.js';
import { UserDirectory, roleAllows, tokenFingerprint, type AdminUser, type UserRole } from '../auth/users.js';

/** How a request proved who it is. */
export type CredentialKind = 'bearer' | 'basic' | 'session';

export interface Principal {
  name: string;
  role: UserRole;
  via: CredentialKind;
  /** The CSRF token this credential's forms carry (derived from the credential itself). */
  csrf: string;
  /** The session, when signed in through one. */
  session: SessionInfo | null;
}

export type TokenCheck = { kind: 'ok'; user: AdminUser } | { kind: 'wrong' } | { kind: 'throttled'; retryAfterMs: number };

const principals = new WeakMap<FastifyRequest, Principal>();

/** The user a request was authenticated as (null before the guard ran, or on a public route without credentials). */
export function principalOf(req: FastifyRequest): Principal | null {
  return principals.get(req) ?? null;
}

export function setPrincipal(req: FastifyRequest, p: Principal): void {
  principals.set(req, p);
}

/** The CSRF token of one credential: an HMAC keyed with the credential's own secret, so only its holder has it. */
export function csrfFor(secret: string, kind: CredentialKind): string {
  return createHmac('sha256', secret).update(`llrecon/csrf/${kind}/v1`).digest('base64url');
}

/** The request's source address (the client's, through TRUST_PROXY's proxies), or `unknown`. */
export function sourceAddress(req: FastifyRequest): string {
  const ip = req.ip;
  return typeof ip === 'string' && isIP(ip) !== 0 ? ip : 'unknown';
}

function counter(registry: Registry, name: string, help: string): Counter<'via'> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<'via'>;
  return new Counter({ name, help, labelNames: ['via'] as const, registers: [registry] });
}

export interface AccessOptions {
  users: UserDirectory;
  sessions: SessionStore | null;
  registry: Registry;
  now?: () => number;
}

/** One per HTTP app: the API and the admin pages share its users, sessions and throttle. */
export class Access {
  readonly users: UserDirectory;
  readonly sessions: SessionStore | null;
  readonly throttle: AuthThrottle;
  readonly now: () => number;
  private readonly failures: Counter<'via'>;
  private readonly throttled: Counter<'via'>;

  constructor(o: AccessOptions) {
    this.users = o.users;
    this.sessions = o.sessions;
    this.now = o.now ?? Date.now;
    this.throttle = new AuthThrottle(this.now);
    this.failures = counter(
      o.registry,
      'llrecon_auth_failures_total',
      'Failed sign-ins (wrong token) by how they were tried: bearer, basic, login',
    );
    this.throttled = counter(
      o.registry,
      'llrecon_auth_throttled_total',
      'Sign-in attempts refused unchecked because their source address is backing off or locked out, by how they were tried',
    );
  }

  /** The Access of an engine: its users (ADMIN_TOKEN, ADMIN_USERS_FILE), its session store, its metrics. */
  static for(engine: Engine): Access {
    const config = engine.config;
    const log = engine.log.child({ component: 'auth' });
    const users = new UserDirectory({
      adminToken: config.adminToken || null,
      file: config.adminUsersFile,
      onReload: (count) => log.info({ users: count }, 'ADMIN_USERS_FILE re-read'),
      onReloadError: (err) =>
        log.error({ err: err.message }, 'ADMIN_USERS_FILE cannot be used: only ADMIN_TOKEN is accepted until it is fixed'),
    });
    return new Access({ users, sessions: engine.sessions, registry: engine.metrics.registry });
  }

  /** Check a token sent as `via` (bearer, basic password, or the login form), throttled per source address. */
  checkToken(req: FastifyRequest, token: string, via: 'bearer' | 'basic' | 'login'): TokenCheck {
    const ip = sourceAddress(req);
    const verdict = this.throttle.check(ip);
    if (!verdict.allowed) {
      this.throttled.inc({ via });
      return { kind: 'throttled', retryAfterMs: verdict.retryAfterMs };
    }
    const user = this.users.authenticate(token);
    if (user !== null) {
      this.throttle.succeed(ip);
      return { kind: 'ok', user };
    }
    const { failures, blockedMs } = this.throttle.fail(ip);
    this.failures.inc({ via });
    req.log.warn(
      { ip, via, route: req.routeOptions.url ?? null, method: req.method, failures, blocked_s: Math.ceil(blockedMs / 1000) },
      'authentication failed: wrong token',
    );
    return { kind: 'wrong' };
  }

  /** Whether `user` is still a user, holding the token whose fingerprint a session keeps. */
  readonly ownerOk = (user: string, fingerprint: string): boolean => {
    const u = this.users.get(user);
    return u !== null && tokenFingerprint(u) === fingerprint;
  };

  /** The live session a cookie secret names, as a principal; null when there is none. */
  async sessionPrincipal(secret: string | undefined): Promise<Principal | null> {
    if (this.sessions === null || secret === undefined) return null;
    const session = await this.sessions.resolve(secret, this.now(), this.ownerOk);
    const user = session === null ? null : this.users.get(session.user);
    if (session === null || user === null) return null;
    return { name: user.name, role: user.role, via: 'session', csrf: csrfFor(secret, 'session'), session };
  }
}

/** Whether `p` may do what needs `role`. */
export function allows(p: Principal, role: UserRole): boolean {
  return roleAllows(p.role, role);
}

/** The refusal of a throttled attempt: 429 with Retry-After in whole seconds. */
export function throttledError(reply: FastifyReply, retryAfterMs: number): LlreconError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  reply.header('retry-after', String(seconds));
  return new LlreconError('LLRECON_AUTH_THROTTLED', `too many failed sign-ins from this address: try again in ${seconds} s`);
}

/** The refusal of a signed-in user whose role does not allow the request. */
export function roleError(p: Principal, needed: UserRole): LlreconError {
  return new LlreconError('LLRECON_ROLE_FORBIDDEN', `${p.name} is a ${p.role}: this needs the ${needed} role`);
}

/**
 * The `actor` an action is recorded under: the signed-in user's name, always; a name the caller gave (a body's
 * `actor`, the X-Llrecon-Actor header) is kept after it as a claim, e.g. `ops-bot (on behalf of ann)`.
 */
export function recordedActor(p: Principal, given?: string): string {
  const claim = given?.trim();
  return claim && claim !== p.name ? `${p.name} (on behalf of ${claim})` : p.name;
}
