// Who may use the API and the dashboard: named users with a role, each holding a bearer token of their own, of
// which llrecon keeps only the SHA-256 (ADMIN_USERS_FILE), plus `ADMIN_TOKEN` as one operator named `admin`.
// A token is found by hashing it and comparing that digest with every user's in constant time (no early exit, so
// the time taken says nothing about which user, if any, came close).
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { LlreconError } from '../errors.js';

export const ROLES = ['viewer', 'operator'] as const;
/** `viewer` reads (pages, GET routes); `operator` also changes things (track, re-query, dashboard retry/promote). */
export type UserRole = (typeof ROLES)[number];

export interface AdminUser {
  readonly name: string;
  readonly role: UserRole;
  /** SHA-256 of the user's token (32 bytes). */
  readonly tokenSha256: Buffer;
}

/** The name `ADMIN_TOKEN`'s operator goes by. */
export const ADMIN_TOKEN_USER = 'admin';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
const HEX64_RE = /^[0-9a-fA-F]{64}$/;
const FIELDS = new Set(['name', 'token_sha256', 'role']);

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Whether `role` may do what `needed` allows (an operator may do everything a viewer may). */
export function roleAllows(role: UserRole, needed: UserRole): boolean {
  return needed === 'viewer' || role === 'operator';
}

function problem(message: string): LlreconError {
  return new LlreconError('LLRECON_CONFIG', `ADMIN_USERS_FILE: ${message}`);
}

/**
 * The users of an ADMIN_USERS_FILE's text: a JSON or YAML list of `{name, token_sha256, role}`. Throws an
 * LlreconError (LLRECON_CONFIG) naming the entry and the field at the first problem. No token or digest is quoted.
 */
export function parseUsers(text: string): AdminUser[] {
  let doc: unknown;
  try {
    doc = text.trimStart().startsWith('[') ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 0 });
  } catch {
    throw problem('is neither a JSON nor a YAML list');
  }
  if (!Array.isArray(doc)) throw problem('must be a list of {name, token_sha256, role}');
  const users: AdminUser[] = [];
  const names = new Set<string>();
  const digests = new Set<string>();
  doc.forEach((item: unknown, i) => {
    const where = `entry ${i}`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw problem(`${where} must be {name, token_sha256, role}`);
    const e = item as Record<string, unknown>;
    const extra = Object.keys(e).find((k) => !FIELDS.has(k));
    if (extra !== undefined) throw problem(`${where}: unknown field "${extra.slice(0, 40)}" (expected name, token_sha256, role)`);
    const { name, token_sha256: digest, role } = e;
    if (typeof name !== 'string' || !NAME_RE.test(name))
      throw problem(`${where}: name must be 1–64 letters, digits or "._@-", starting with a letter or digit`);
    const who = `${where} (${name})`;
    if (names.has(name.toLowerCase())) throw problem(`${who}: the name is used twice`);
    if (typeof digest !== 'string' || !HEX64_RE.test(digest))
      throw problem(`${who}: token_sha256 must be the SHA-256 of the token, 64 hex digits (printf %s "$TOKEN" | sha256sum)`);
    if (digests.has(digest.toLowerCase()))
      throw problem(`${who}: token_sha256 is another user's too: each user needs a token of their own`);
    if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) throw problem(`${who}: role must be viewer or operator`);
    names.add(name.toLowerCase());
    digests.add(digest.toLowerCase());
    users.push({ name, role: role as UserRole, tokenSha256: Buffer.from(digest, 'hex') });
  });
  return users;
}

/** Read and parse an ADMIN_USERS_FILE (problems as LLRECON_CONFIG errors). */
export function readUsersFile(path: string): AdminUser[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw problem(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseUsers(text);
}

/** The users of `ADMIN_TOKEN` and `ADMIN_USERS_FILE` together; a file user named `admin` beside ADMIN_TOKEN is refused. */
export function combineUsers(adminToken: string | null, fileUsers: readonly AdminUser[]): AdminUser[] {
  if (!adminToken) return [...fileUsers];
  const admin: AdminUser = { name: ADMIN_TOKEN_USER, role: 'operator', tokenSha256: sha256(adminToken) };
  if (fileUsers.some((u) => u.name.toLowerCase() === ADMIN_TOKEN_USER))
    throw problem(`the name "${ADMIN_TOKEN_USER}" belongs to ADMIN_TOKEN's operator: rename that user, or unset ADMIN_TOKEN`);
  if (fileUsers.some((u) => timingSafeEqual(u.tokenSha256, admin.tokenSha256)))
    throw problem('a user has the token of ADMIN_TOKEN: each user needs a token of their own');
  return [admin, ...fileUsers];
}

/** Find the user holding `token`: compares its digest with every user's, all of them, in constant time. */
export function findByToken(users: readonly AdminUser[], token: string): AdminUser | null {
  const digest = sha256(token);
  let found: AdminUser | null = null;
  for (const u of users) if (timingSafeEqual(u.tokenSha256, digest) && found === null) found = u;
  return found;
}

/** A short fingerprint of a user's token digest: kept with their sessions, which end when the token changes. */
export function tokenFingerprint(user: AdminUser): string {
  return createHash('sha256').update('llrecon/session-owner/v1').update(user.tokenSha256).digest('base64url').slice(0, 22);
}

export interface UserDirectoryOptions {
  adminToken: string | null;
  /** ADMIN_USERS_FILE; re-read when it changes (checked at most every `recheckMs`). */
  file: string | null;
  onReloadError?: (err: LlreconError) => void;
  onReload?: (count: number) => void;
  recheckMs?: number;
  now?: () => number;
}

/**
 * The current users. The file is re-read when its modification time or size changes, so that removing a user
 * or rotating a token takes effect within seconds, without a restart. A file that no longer parses leaves only
 * `ADMIN_TOKEN`'s operator (fail closed: a removed user must not stay because of a typo) and is reported.
 */
export class UserDirectory {
  private users: AdminUser[];
  private stamp: string | null = null;
  private checkedAt = 0;
  private readonly recheckMs: number;
  private readonly now: () => number;

  constructor(private readonly o: UserDirectoryOptions) {
    this.recheckMs = o.recheckMs ?? 2000;
    this.now = o.now ?? Date.now;
    this.stamp = o.file === null ? null : this.fileStamp();
    this.users = combineUsers(o.adminToken, o.file === null ? [] : readUsersFile(o.file));
    this.checkedAt = this.now();
  }

  private fileStamp(): string | null {
    try {
      const s = statSync(this.o.file as string);
      return `${s.mtimeMs}|${s.size}|${s.ino}`;
    } catch {
      return null;
    }
  }

  private refresh(): void {
    if (this.o.file === null || this.now() - this.checkedAt < this.recheckMs) return;
    this.checkedAt = this.now();
    const stamp = this.fileStamp();
    if (stamp === this.stamp) return;
    this.stamp = stamp;
    try {
      this.users = combineUsers(this.o.adminToken, readUsersFile(this.o.file));
      this.o.onReload?.(this.users.length);
    } catch (err) {
      this.users = combineUsers(this.o.adminToken, []);
      this.o.onReloadError?.(err as LlreconError);
    }
  }

  /** Every current user. */
  list(): readonly AdminUser[] {
    this.refresh();
    return this.users;
  }

  /** The user holding `token`, or null. */
  authenticate(token: string): AdminUser | null {
    return findByToken(this.list(), token);
  }

  /** The current user of that name, or null (removed). */
  get(name: string): AdminUser | null {
    return this.list().find((u) => u.name === name) ?? null;
  }
}
