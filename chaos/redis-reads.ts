// What the run reads back from llrecon's Redis: the event stream, and the query starts the rate cap granted.
import type { Redis } from 'ioredis';
import type { CloudEvent } from '../src/store/cloud-event.js';

const PAGE = 5000;

/** Every event on the stream, oldest first. */
export async function readEvents(redis: Redis, stream: string): Promise<CloudEvent[]> {
  const out: CloudEvent[] = [];
  let start = '-';
  for (;;) {
    const rows = (await redis.xrange(stream, start, '+', 'COUNT', PAGE)) as Array<[string, string[]]>;
    for (const [, fields] of rows) out.push(JSON.parse(fields[fields.indexOf('event') + 1] as string) as CloudEvent);
    if (rows.length < PAGE) return out;
    start = `(${(rows.at(-1) as [string, string[]])[0]}`;
  }
}

/**
 * Watches the rate cap's log (`<prefix>:rate:log`: one member per granted query start, scored by Redis's clock in
 * µs, kept at least one window) often enough to see every grant, so the cap can be checked on the clock it is
 * enforced with, apart from any delay before a query reaches LianLian.
 */
export class GrantWatch {
  private readonly grants = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  /** @param everyMs well under the cap's window (1 s), or grants could leave the log unseen */
  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly everyMs = 250,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.look().catch(() => undefined), this.everyMs);
  }

  /**
   * Takes in the grants in the log now. Before Redis is stopped, pause its writers first (CLIENT PAUSE … WRITE)
   * and look once more: grants made after the last look would be gone from the log by the time Redis is back.
   */
  async look(): Promise<void> {
    const flat = await this.redis.zrange(this.key, 0, -1, 'WITHSCORES');
    for (let i = 0; i < flat.length; i += 2) this.grants.set(flat[i] as string, Number(flat[i + 1]) / 1000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Grant times seen (epoch ms on Redis's clock), oldest first. */
  times(): number[] {
    return [...this.grants.values()].sort((a, b) => a - b);
  }
}
