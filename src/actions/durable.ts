// The claim "this action is being sent" must survive a crash of the Redis host before the request leaves: with
// append-only persistence at `appendfsync everysec` (the embedded Redis, and what the README asks for) the last
// second of writes can be rolled back, and a rolled-back claim would let the action be sent again. So the claim is
// made durable first: WAITAOF (Redis 7.2+) waits until it is fsynced to the local AOF; an older Redis is given just
// over a second, the everysec fsync's period. Without append-only persistence there is nothing to wait for.
import type { Cluster, Redis } from 'ioredis';

/** How long WAITAOF may wait, and how long an older Redis is given for its everysec fsync. */
const WAIT_MS = 2_000;
const EVERYSEC_MS = 1_100;

let waitaof: boolean | null = null;
const aofOn = new WeakMap<object, boolean>();

/** Whether `redis` keeps an append-only file (a Redis that hides CONFIG is assumed to). */
async function appendOnly(redis: Redis | Cluster): Promise<boolean> {
  const known = aofOn.get(redis);
  if (known !== undefined) return known;
  let on: boolean;
  try {
    const reply = (await redis.call('CONFIG', 'GET', 'appendonly')) as string[];
    on = reply[1] !== 'no';
  } catch {
    on = true;
  }
  aofOn.set(redis, on);
  return on;
}

/** Resolves once the writes made so far on `redis` are on disk, as far as Redis can tell us (see the file head). */
export async function waitDurable(redis: Redis | Cluster): Promise<void> {
  if (!(await appendOnly(redis))) return;
  if (waitaof !== false) {
    try {
      await redis.call('WAITAOF', '1', '0', String(WAIT_MS));
      waitaof = true;
      return;
    } catch (err) {
      const message = (err as Error).message;
      // AOF off: nothing survives a crash anyway, and nothing to wait for
      if (/appendonly/i.test(message)) return;
      if (!/unknown command/i.test(message)) throw err;
      waitaof = false;
    }
  }
  await new Promise((r) => setTimeout(r, EVERYSEC_MS));
}
