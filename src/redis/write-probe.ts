// Does Redis take writes? A Redis that answers PING may still refuse every write: out of memory under `maxmemory`
// with `noeviction` (OOM), a read-only replica (READONLY), a failed snapshot (MISCONF), too few replicas
// (NOREPLICAS). Then nothing llrecon does can be recorded — tracking, callbacks, polls — so /readyz must say so,
// with the reason, and an alert must fire. The probe writes one small key (overwritten, expiring): the truth, at
// the cost of one SET.
import type { Cluster, Redis } from 'ioredis';
import { Gauge, type Counter, type Registry } from 'prom-client';
import type { Logger } from '../log.js';

/** How long the probe key lives: it is overwritten by every probe, and gone soon after the last one. */
const PROBE_TTL_MS = 60_000;

/** The probe's verdict: writable, or why not. */
export type WriteVerdict = { writable: true } | { writable: false; reason: string };

/** What a refused write means, from the first word of Redis's error. */
function reasonOf(err: Error): string {
  const word = /^[A-Z]+/.exec(err.message)?.[0] ?? '';
  switch (word) {
    case 'OOM':
      return 'redis: refuses writes: out of memory (used_memory > maxmemory, policy noeviction): free memory or raise maxmemory';
    case 'READONLY':
      return 'redis: refuses writes: it is a read-only replica (REDIS_URL must name the primary)';
    case 'MISCONF':
      return 'redis: refuses writes: it cannot save its snapshot (MISCONF; see the Redis log)';
    case 'NOREPLICAS':
      return 'redis: refuses writes: not enough replicas (min-replicas-to-write)';
    default:
      return `redis: a write failed (${word === '' ? 'error' : word})`;
  }
}

export class WriteProbe {
  private last: WriteVerdict = { writable: true };
  private readonly refused: Gauge;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly key: string,
    private readonly log: Logger,
    private readonly alerts: Counter<'kind'>,
    registry: Registry,
  ) {
    const name = 'llrecon_redis_writes_refused';
    this.refused =
      (registry.getSingleMetric(name) as Gauge | undefined) ??
      new Gauge({ name, help: '1 while Redis refuses writes (OOM, read-only replica, MISCONF), else 0', registers: [registry] });
    this.refused.set(0);
  }

  /** The last verdict, without a round trip. */
  get verdict(): WriteVerdict {
    return this.last;
  }

  /**
   * Writes the probe key. A change from writable to refused fires the alert (`redis_refuses_writes`) and logs a
   * warning with the reason, once per episode; the way back is logged too. A connection error is not a verdict
   * (readiness reports the connection on its own): the last verdict stands.
   */
  async check(now: number): Promise<WriteVerdict> {
    let next: WriteVerdict;
    try {
      await this.redis.set(this.key, String(now), 'PX', PROBE_TTL_MS);
      next = { writable: true };
    } catch (err) {
      const e = err as Error;
      // a reply error (ReplyError) is Redis's verdict; anything else is the connection's
      if (e.name !== 'ReplyError') return this.last;
      next = { writable: false, reason: reasonOf(e) };
    }
    const was = this.last;
    this.last = next;
    if (!next.writable && (was.writable || was.reason !== next.reason)) {
      this.alerts.inc({ kind: 'redis_refuses_writes' });
      this.refused.set(1);
      this.log.warn({ reason: next.reason }, 'redis refuses writes: llrecon is not ready');
    } else if (next.writable && !was.writable) {
      this.refused.set(0);
      this.log.info('redis takes writes again');
    }
    return next;
  }
}
