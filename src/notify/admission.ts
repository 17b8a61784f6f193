// Admission at the callback door, per source: a budget of refused callbacks (forged, unreadable, wrong content
// type) per source address, refilled over time. A source that spent it is answered 429 until it has budget again.
// Only refusals count: a callback that verifies is always admitted, whatever its source's budget — LianLian sends
// from few addresses, which an attacker may share (a NAT, a cloud range), and must never be locked out by one.
// Kept in the process's memory: cheap (no Redis round trip for a stranger), bounded (MAX_SOURCES), and each
// `api` process keeps its own.

/** Refusals a source may have at once before it is answered 429. */
export const FAILURE_BURST = 50;
/** Refusals a source is given back per second. */
export const FAILURE_REFILL_PER_SEC = 1;
/** Sources remembered at once; the least recently seen is forgotten first. */
export const MAX_SOURCES = 10_000;

interface Budget {
  tokens: number;
  at: number;
}

export interface AdmissionOptions {
  burst?: number;
  refillPerSec?: number;
  maxSources?: number;
  now?: () => number;
}

export class FailureAdmission {
  private readonly budgets = new Map<string, Budget>();
  private readonly burst: number;
  private readonly refillPerSec: number;
  private readonly maxSources: number;
  private readonly now: () => number;

  constructor(opts: AdmissionOptions = {}) {
    this.burst = opts.burst ?? FAILURE_BURST;
    this.refillPerSec = opts.refillPerSec ?? FAILURE_REFILL_PER_SEC;
    this.maxSources = opts.maxSources ?? MAX_SOURCES;
    this.now = opts.now ?? Date.now;
  }

  /** The source's budget now, refilled for the time since it was last seen. */
  private current(key: string): Budget {
    const now = this.now();
    const b = this.budgets.get(key);
    if (!b) return { tokens: this.burst, at: now };
    return { tokens: Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.refillPerSec), at: now };
  }

  /**
   * Counts one refusal for `key`: null while the source had budget for it, else the seconds until it has budget
   * again (the answer is then 429 with that Retry-After).
   */
  refuse(key: string): number | null {
    const b = this.current(key);
    const throttled = b.tokens < 1;
    if (!throttled) b.tokens -= 1;
    // re-inserted: the Map's order is then least recently seen first
    this.budgets.delete(key);
    this.budgets.set(key, b);
    if (this.budgets.size > this.maxSources) {
      const oldest = this.budgets.keys().next().value;
      if (oldest !== undefined) this.budgets.delete(oldest);
    }
    return throttled ? Math.max(1, Math.ceil((1 - b.tokens) / this.refillPerSec)) : null;
  }

  /** How many sources are remembered (for tests). */
  get size(): number {
    return this.budgets.size;
  }
}
