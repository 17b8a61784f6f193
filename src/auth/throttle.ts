// Failed sign-ins, per source address: the first FREE_FAILURES cost nothing (a mistyped token, a script with an
// old one); each further failure makes the address wait before its next attempt is even checked, 1 s doubling
// up to 256 s; the LOCKOUT_AT-th locks it out for LOCKOUT_MS, and so does every failure after it. A failure is
// forgotten FORGET_MS after the address's last one; a successful sign-in clears the address's count.
// Requests carrying credentials while the address waits are refused (429, Retry-After) without being checked.
//
// Kept in this process's memory: an address's count is per llrecon process serving the API (several `api`
// processes each allow as much). IPv6 addresses count per /64 (one host usually holds a whole /64), and at most
// MAX_ADDRESSES addresses are remembered (the oldest forgotten first).
import { isIPv6 } from 'node:net';

export const FREE_FAILURES = 20;
export const LOCKOUT_AT = 30;
export const LOCKOUT_MS = 15 * 60_000;
export const FIRST_BACKOFF_MS = 1000;
export const FORGET_MS = 3600_000;
export const MAX_ADDRESSES = 10_000;

interface Entry {
  failures: number;
  last: number;
  blockedUntil: number;
}

/** How long an address must wait after its `failures`-th failure. */
export function blockAfter(failures: number): number {
  if (failures <= FREE_FAILURES) return 0;
  if (failures >= LOCKOUT_AT) return LOCKOUT_MS;
  return FIRST_BACKOFF_MS * 2 ** (failures - FREE_FAILURES - 1);
}

/** The key an address is counted under: itself, or its /64 for IPv6. */
export function addressKey(ip: string): string {
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (v4mapped) return v4mapped[1] as string;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterMs: number };

export class AuthThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  private entry(ip: string): Entry | undefined {
    const key = addressKey(ip);
    const e = this.entries.get(key);
    if (e && this.now() - e.last >= FORGET_MS && this.now() >= e.blockedUntil) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** Whether an attempt from `ip` may be checked now. */
  check(ip: string): ThrottleVerdict {
    const e = this.entry(ip);
    const wait = e ? e.blockedUntil - this.now() : 0;
    return wait > 0 ? { allowed: false, retryAfterMs: wait } : { allowed: true };
  }

  /** Count a failed attempt from `ip`; returns its failures so far and how long it must now wait. */
  fail(ip: string): { failures: number; blockedMs: number } {
    const key = addressKey(ip);
    const now = this.now();
    const e = this.entry(ip) ?? { failures: 0, last: now, blockedUntil: 0 };
    e.failures += 1;
    e.last = now;
    const blockedMs = blockAfter(e.failures);
    e.blockedUntil = now + blockedMs;
    // re-inserted, so that the Map's order is by last failure and the first key is the one to forget
    this.entries.delete(key);
    this.entries.set(key, e);
    while (this.entries.size > MAX_ADDRESSES) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return { failures: e.failures, blockedMs };
  }

  /** A successful sign-in from `ip`: its count starts over. */
  succeed(ip: string): void {
    this.entries.delete(addressKey(ip));
  }
}
