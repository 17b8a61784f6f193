// What the run reads back from llrecon's Redis: the event stream. (The rate cap's grants: chaos/grant-watch.ts.)
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
