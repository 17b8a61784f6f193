// The webhook sink's reader of the event stream: a consumer of the group WEBHOOK_GROUP on `<base>:events`,
// turning each event into one `webhook` job. Exactly one job per event, whatever dies when:
//   - the job id is derived from the event id, so queueing an event again adds nothing while its job exists;
//   - an entry is XACKed only after its job is queued, so a consumer that dies in between leaves it pending,
//     and another consumer (or this process restarted) takes it over with XAUTOCLAIM once it has been idle
//     claimIdleMs; queueing it again is then a no-op;
//   - an event whose order is already settled at or past its version is not queued again (its job may have
//     been removed since); settlement events belong to no order's sequence and are always queued (their job id
//     is their event id).
// The group is created at `0`, so events emitted before the sink first started (and still within
// EVENTS_RETENTION) are delivered too. Each start is a new consumer name; stopped consumers with nothing
// pending are removed from the group.
import { hostname } from 'node:os';
import type { Queue } from 'bullmq';
import type { EngineContext } from '../engine-context.js';
import { deliveryOf, isOrdered, webhookJobId, type WebhookJobData } from './delivery-job.js';
import { settledVersions } from './delivery-log.js';

/** The consumer group of the webhook sink on the event stream. */
export const WEBHOOK_GROUP = 'webhooks';

/** Entries read (or taken over) at once. */
const BATCH = 100;
/** After a failed read, how long before trying again. */
const RETRY_READ_MS = 1000;
/** Consumers of the group with nothing pending and idle this long are forgotten (dead processes). */
const CONSUMER_FORGET_MS = 3_600_000;

type Entry = [string, string[]];

export interface EventConsumer {
  /** This consumer's name in the group. */
  readonly name: string;
  /** Stop reading: the current batch is finished first. */
  stop(): Promise<void>;
}

/** A unique consumer name for this process and start. */
function consumerName(): string {
  return `${hostname()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Start consuming `ctx.ks.events` into `queue`. */
export function startEventConsumer(
  ctx: Pick<EngineContext, 'redis' | 'ks' | 'log'>,
  queue: Queue<WebhookJobData>,
  opts: { claimIdleMs: number },
): EventConsumer {
  const { redis, ks, log } = ctx;
  const name = consumerName();
  const blocking = redis.duplicate();
  // failures surface as rejected commands, logged by the loop; this only keeps ioredis from printing them
  blocking.on('error', () => undefined);
  const blockMs = Math.min(5000, Math.max(100, Math.floor(opts.claimIdleMs / 2)));
  let stopping = false;
  let wake: (() => void) | null = null;

  const ensureGroup = async () => {
    try {
      await redis.xgroup('CREATE', ks.events, WEBHOOK_GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).startsWith('BUSYGROUP')) throw err;
    }
  };

  const handOver = async (entries: Entry[]) => {
    const deliveries: Array<{ name: string; data: WebhookJobData }> = [];
    for (const [sid, fields] of entries) {
      const d = deliveryOf(sid, fields);
      if (d) deliveries.push(d);
      else log.error({ stream_id: sid }, 'webhook sink: stream entry is not an event; skipped');
    }
    const settled = await settledVersions(
      ctx,
      deliveries.map((d) => d.data.no),
    );
    const fresh = deliveries.filter((d, i) => !isOrdered(d.data) || d.data.v > (settled[i] ?? 0));
    if (fresh.length > 0) await queue.addBulk(fresh.map((d) => ({ name: d.name, data: d.data, opts: { jobId: webhookJobId(d.data) } })));
    if (entries.length > 0) await redis.xack(ks.events, WEBHOOK_GROUP, ...entries.map((e) => e[0]));
  };

  const forgetIdleConsumers = async () => {
    const rows = (await redis.xinfo('CONSUMERS', ks.events, WEBHOOK_GROUP)) as Array<Array<string | number>>;
    for (const row of rows) {
      const info = new Map<string, string | number>();
      for (let i = 0; i + 1 < row.length; i += 2) info.set(String(row[i]), row[i + 1] as string | number);
      const other = String(info.get('name'));
      if (other !== name && Number(info.get('pending')) === 0 && Number(info.get('idle')) > CONSUMER_FORGET_MS)
        await redis.xgroup('DELCONSUMER', ks.events, WEBHOOK_GROUP, other);
    }
  };

  const takeOverStale = async () => {
    let cursor = '0-0';
    for (let round = 0; round < 100 && !stopping; round++) {
      const reply = (await redis.xautoclaim(ks.events, WEBHOOK_GROUP, name, opts.claimIdleMs, cursor, 'COUNT', BATCH)) as [
        string,
        Array<Entry | null>,
      ];
      const entries = reply[1].filter((e): e is Entry => Array.isArray(e) && Array.isArray(e[1]));
      if (entries.length > 0) {
        log.warn({ count: entries.length, consumer: name }, 'webhook sink: took over events a stopped consumer had read but not queued');
        await handOver(entries);
      }
      cursor = reply[0];
      if (cursor === '0-0') break;
    }
    await forgetIdleConsumers();
  };

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        wake = null;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  const run = async () => {
    let groupReady = false;
    let lastTakeOver = 0;
    while (!stopping) {
      try {
        if (!groupReady) {
          await ensureGroup();
          groupReady = true;
        }
        if (Date.now() - lastTakeOver >= blockMs) {
          await takeOverStale();
          lastTakeOver = Date.now();
        }
        const reply = (await blocking.xreadgroup(
          'GROUP',
          WEBHOOK_GROUP,
          name,
          'COUNT',
          BATCH,
          'BLOCK',
          blockMs,
          'STREAMS',
          ks.events,
          '>',
        )) as Array<[string, Entry[]]> | null;
        const entries = reply?.[0]?.[1] ?? [];
        if (entries.length > 0) await handOver(entries);
      } catch (err) {
        if (stopping) break;
        const message = (err as Error).message;
        if (message.includes('NOGROUP')) groupReady = false;
        log.error({ err: message }, 'webhook sink: reading the event stream failed; trying again');
        await pause(RETRY_READ_MS);
      }
    }
  };

  const loop = run();
  return {
    name,
    async stop() {
      if (stopping) return loop;
      stopping = true;
      wake?.();
      blocking.disconnect();
      await loop;
      // leave the group tidy: forget this consumer unless something it read is still pending
      try {
        const mine = (await redis.xpending(ks.events, WEBHOOK_GROUP, '-', '+', 1, name)) as unknown[];
        if (mine.length === 0) await redis.xgroup('DELCONSUMER', ks.events, WEBHOOK_GROUP, name);
      } catch {
        // Redis unreachable at shutdown: a later take-over forgets this consumer
      }
    },
  };
}
