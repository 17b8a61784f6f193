// Dashboard sessions, kept in Redis so that they can be ended: logging out deletes the session; removing a user or
// rotating their token ends their sessions (each session remembers a fingerprint of its owner's token, checked on
// every use); operators can list sessions and end any of them. The cookie holds a random 256-bit secret; Redis
// holds only its SHA-256 (the session's id), so whoever reads Redis cannot take a session over.
//
// Lifetimes: a session ends SESSION_IDLE_MS after its last use (refreshed at most every TOUCH_EVERY_MS, so the
// idle end is exact to within that) and SESSION_ABSOLUTE_MS after it began, whatever its use.
import { createHash, randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/** A session unused for this long ends. */
export const SESSION_IDLE_MS = 30 * 60_000;
/** A session ends this long after its login, however much it is used. */
export const SESSION_ABSOLUTE_MS = 8 * 3600_000;
/** A session's last use is written at most this often (a page view does not always cost a Redis write). */
export const TOUCH_EVERY_MS = 60_000;

const SECRET_RE = /^[A-Za-z0-9_-]{43}$/;
const ID_RE = /^[A-Za-z0-9_-]{43}$/;
const AGENT_MAX = 160;

/** The keys a session store uses (from the deployment's keyspace). */
export interface SessionKeys {
  /** Hash: one session, by id. */
  session(id: string): string;
  /** Zset: every session id, scored by its absolute end. */
  readonly sessions: string;
}

export interface SessionInfo {
  /** SHA-256 of the cookie's secret (base64url): names the session in lists, useless as a cookie. */
  id: string;
  user: string;
  createdAt: number;
  lastSeenAt: number;
  /** When it ends unless used again (idle), and at the latest (absolute). */
  idleEndsAt: number;
  endsAt: number;
  ip: string;
  agent: string;
}

/** The session id of a cookie secret. */
export function sessionId(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

/** Whether `id` has the shape of a session id (for ids taken from a URL). */
export function isSessionId(id: string): boolean {
  return ID_RE.test(id);
}

/** Printable ASCII only, cut short: a user agent is shown on the sessions page, never trusted. */
function cleanAgent(agent: string | undefined): string {
  return (agent ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, AGENT_MAX);
}

export interface SessionStoreOptions {
  idleMs?: number;
  absoluteMs?: number;
  touchEveryMs?: number;
}

/** Whether the owner of a session is still a user with the same token. */
export type OwnerCheck = (user: string, fingerprint: string) => boolean;

export class SessionStore {
  readonly idleMs: number;
  readonly absoluteMs: number;
  private readonly touchEveryMs: number;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly keys: SessionKeys,
    o: SessionStoreOptions = {},
  ) {
    this.idleMs = o.idleMs ?? SESSION_IDLE_MS;
    this.absoluteMs = o.absoluteMs ?? SESSION_ABSOLUTE_MS;
    this.touchEveryMs = o.touchEveryMs ?? TOUCH_EVERY_MS;
  }

  /** Start a session for `user` (whose token has this fingerprint); returns the cookie's secret. */
  async create(
    user: string,
    fingerprint: string,
    meta: { ip: string; agent?: string },
    now: number,
  ): Promise<{ secret: string; id: string }> {
    const secret = randomBytes(32).toString('base64url');
    const id = sessionId(secret);
    const key = this.keys.session(id);
    await this.redis
      .multi()
      .hset(key, { user, fp: fingerprint, created: now, seen: now, ip: meta.ip.slice(0, 64), agent: cleanAgent(meta.agent) })
      .pexpire(key, Math.min(this.idleMs, this.absoluteMs))
      .zremrangebyscore(this.keys.sessions, '-inf', now)
      .zadd(this.keys.sessions, now + this.absoluteMs, id)
      .exec();
    return { secret, id };
  }

  private info(id: string, h: Record<string, string>): SessionInfo | null {
    const createdAt = Number(h.created);
    const lastSeenAt = Number(h.seen);
    if (!h.user || !Number.isFinite(createdAt) || !Number.isFinite(lastSeenAt)) return null;
    const endsAt = createdAt + this.absoluteMs;
    return {
      id,
      user: h.user,
      createdAt,
      lastSeenAt,
      idleEndsAt: Math.min(lastSeenAt + this.idleMs, endsAt),
      endsAt,
      ip: h.ip ?? '',
      agent: h.agent ?? '',
    };
  }

  /**
   * The live session a cookie secret names, or null: unknown, past its idle or absolute end, or its owner is no
   * longer a user with the same token (then it is deleted). Refreshes its last use.
   */
  async resolve(secret: string | undefined, now: number, ownerOk: OwnerCheck): Promise<SessionInfo | null> {
    if (secret === undefined || !SECRET_RE.test(secret)) return null;
    const id = sessionId(secret);
    const key = this.keys.session(id);
    const h = await this.redis.hgetall(key);
    const s = this.info(id, h);
    if (s === null) return null;
    if (now >= s.idleEndsAt || !ownerOk(s.user, h.fp ?? '')) {
      await this.end(id);
      return null;
    }
    if (now - s.lastSeenAt >= this.touchEveryMs) {
      await this.redis
        .multi()
        .hset(key, 'seen', now)
        .pexpire(key, Math.max(1, Math.min(this.idleMs, s.endsAt - now)))
        .exec();
      return { ...s, lastSeenAt: now, idleEndsAt: Math.min(now + this.idleMs, s.endsAt) };
    }
    return s;
  }

  /** End one session (logout, or an operator ending it). false: there was none. */
  async end(id: string): Promise<boolean> {
    if (!isSessionId(id)) return false;
    const replies = await this.redis.multi().del(this.keys.session(id)).zrem(this.keys.sessions, id).exec();
    return Number(replies?.[0]?.[1] ?? 0) > 0;
  }

  /**
   * Every live session, newest first. Sessions whose owner is gone or holds another token are ended on the way
   * (they could not be used anyway), as are index entries of sessions already expired.
   */
  async list(now: number, ownerOk: OwnerCheck): Promise<SessionInfo[]> {
    await this.redis.zremrangebyscore(this.keys.sessions, '-inf', now);
    const ids = await this.redis.zrange(this.keys.sessions, 0, -1);
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hgetall(this.keys.session(id));
    const rows = ((await pipe.exec()) ?? []) as Array<[Error | null, Record<string, string>]>;
    const live: SessionInfo[] = [];
    const stale: string[] = [];
    ids.forEach((id, i) => {
      const h = rows[i]?.[1] ?? {};
      const s = this.info(id, h);
      if (s === null || now >= s.idleEndsAt || !ownerOk(s.user, h.fp ?? '')) stale.push(id);
      else live.push(s);
    });
    for (const id of stale) await this.end(id);
    return live.sort((a, b) => b.createdAt - a.createdAt);
  }
}
