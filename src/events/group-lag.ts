// How far behind each consumer group of the event stream is, against the stream's trim point: the stream is
// trimmed by age (EVENTS_RETENTION), so an event a group has not acknowledged when it grows older than that is
// lost to the group. Checked periodically by the api and query roles: gauges per group, and a warn line once a
// group is more than half the retention behind (then again at most every WARN_EVERY_MS while it stays so).
import type { Cluster, Redis } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../log.js';
import { formatDuration } from '../reconcile/duration.js';

/** One group's standing. */
export interface GroupLag {
  group: string;
  /** Delivered to a consumer, not acknowledged yet. */
  pending: number;
  /** Not delivered yet (XINFO GROUPS `lag`, Redis 7); null when Redis cannot tell (after deletions). */
  lag: number | null;
  /** Age of the oldest event the group has not acknowledged (pending or not delivered), ms; 0 when caught up. */
  behindMs: number;
}

/** The share of EVENTS_RETENTION past which a group is warned about. */
export const BEHIND_WARN_RATIO = 0.5;
const WARN_EVERY_MS = 15 * 60_000;

const BEHIND = 'llrecon_event_group_behind_seconds';
const PENDING = 'llrecon_event_group_pending';
const LAG = 'llrecon_event_group_lag';
const RETENTION = 'llrecon_events_retention_seconds';

export interface GroupLagMetrics {
  behind: Gauge<'group'>;
  pending: Gauge<'group'>;
  lag: Gauge<'group'>;
  retention: Gauge;
}

function gauge<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Gauge<L> {
  return (registry.getSingleMetric(name) as Gauge<L> | undefined) ?? new Gauge({ name, help, labelNames, registers: [registry] });
}

/** The consumer-group metrics on `registry`, created on first use. */
export function groupLagMetrics(registry: Registry): GroupLagMetrics {
  return {
    behind: gauge(registry, BEHIND, 'Age of the oldest event a consumer group has not acknowledged (0: caught up)', ['group']),
    pending: gauge(registry, PENDING, 'Events delivered to a consumer of the group and not acknowledged yet', ['group']),
    lag: gauge(registry, LAG, 'Events a consumer group has not been delivered yet (-1: Redis cannot tell)', ['group']),
    retention: gauge(registry, RETENTION, 'EVENTS_RETENTION: events older than this are trimmed from the stream', []),
  };
}

/** XINFO GROUPS' flat `[name, value, …]` rows as records. */
function records(reply: unknown): Array<Record<string, unknown>> {
  return (reply as unknown[][]).map((row) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i + 1 < row.length; i += 2) out[String(row[i])] = row[i + 1];
    return out;
  });
}

const msOf = (streamId: string) => Number(streamId.split('-')[0]);

/** Every consumer group of `stream` with how far behind it is at `nowMs` (none when the stream does not exist). */
export async function readGroupLags(redis: Redis | Cluster, stream: string, nowMs: number): Promise<GroupLag[]> {
  let groups: Array<Record<string, unknown>>;
  try {
    groups = records(await redis.call('XINFO', 'GROUPS', stream));
  } catch (err) {
    if (/no such key/i.test((err as Error).message)) return [];
    throw err;
  }
  const out: GroupLag[] = [];
  for (const g of groups) {
    const group = String(g.name);
    const pending = Number(g.pending ?? 0);
    const oldest: number[] = [];
    if (pending > 0) {
      const summary = (await redis.call('XPENDING', stream, group)) as [number, string | null, string | null, unknown];
      if (summary[1]) oldest.push(msOf(summary[1]));
    }
    const next = (await redis.xrange(stream, `(${String(g['last-delivered-id'])}`, '+', 'COUNT', 1)) as Array<[string, string[]]>;
    if (next[0]) oldest.push(msOf(next[0][0]));
    const lag = g.lag === null || g.lag === undefined ? null : Number(g.lag);
    out.push({ group, pending, lag, behindMs: oldest.length ? Math.max(0, nowMs - Math.min(...oldest)) : 0 });
  }
  return out;
}

/**
 * A check to run periodically: reads the groups, sets the gauges (a group that is gone loses its series) and
 * warns about a group more than BEHIND_WARN_RATIO of `retentionMs` behind. Errors are the caller's to log.
 */
export function groupLagWatch(opts: {
  redis: Redis | Cluster;
  stream: string;
  retentionMs: number;
  registry: Registry;
  log: Logger;
  now: () => number;
}): () => Promise<GroupLag[]> {
  const m = groupLagMetrics(opts.registry);
  m.retention.set(opts.retentionMs / 1000);
  const warnedAt = new Map<string, number>();
  return async () => {
    const now = opts.now();
    const lags = await readGroupLags(opts.redis, opts.stream, now);
    for (const g of [m.behind, m.pending, m.lag]) g.reset();
    for (const g of lags) {
      m.behind.set({ group: g.group }, g.behindMs / 1000);
      m.pending.set({ group: g.group }, g.pending);
      m.lag.set({ group: g.group }, g.lag ?? -1);
      if (g.behindMs <= opts.retentionMs * BEHIND_WARN_RATIO) warnedAt.delete(g.group);
      else if (now - (warnedAt.get(g.group) ?? -Infinity) >= WARN_EVERY_MS) {
        warnedAt.set(g.group, now);
        opts.log.warn(
          { group: g.group, behind_s: Math.round(g.behindMs / 1000), pending: g.pending, lag: g.lag, retention_s: opts.retentionMs / 1000 },
          `events: consumer group ${g.group} is ${formatDuration(g.behindMs)} behind; events older than EVENTS_RETENTION ` +
            `(${formatDuration(opts.retentionMs)}) are trimmed, and it would never see them`,
        );
      }
    }
    return lags;
  };
}
