// Reliable consumers (issue 15 point 2) against the real test Redis: consumeEvents() and `llrecon events --group`
// get every event at least once, acknowledge after handling, survive a killed consumer (what it had not
// acknowledged is claimed by another after the idle time: nothing lost, and only that handled twice), and a group
// falling behind toward EVENTS_RETENTION shows in its gauges and a warning.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { consumeEvents, ensureGroup, type ConsumedEvent } from '../src/events/consume.js';
import { groupLagWatch, readGroupLags } from '../src/events/group-lag.js';
import { consumeEvents as exported } from '../src/index.js';
import { createLogger } from '../src/log.js';
import { buildEvent } from '../src/store/cloud-event.js';
import { keyspace } from '../src/store/keyspace.js';
import { cliProcess } from './support/cli.js';
import { schemaProblems } from './support/event-schema.js';
import { waitFor } from './support/stack.js';

const OID = '201408071000001539';
let redis: Redis;

beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(async () => {
  await redis?.quit();
});

function fresh(): { prefix: string; stream: string } {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  return { prefix, stream: keyspace(prefix).events };
}

/** Appends `n` real events (each the `authorized` change of its own order) at ids from `firstMs` on; returns their ids. */
async function append(stream: string, n: number, firstMs?: number): Promise<string[]> {
  const ids: string[] = [];
  const pipe = redis.pipeline();
  for (let i = 0; i < n; i++) {
    const e = buildEvent({
      oid_partner: OID,
      order: { no_order: `C${i}-${randomBytes(3).toString('hex')}`, dt_order: '20261203101500', oid_paybill: null, money_order: '8.00' },
      to: 'authorized',
      from: 'authorizing',
      ret_code: '0000',
      ret_msg: '交易成功',
      via: 'poll',
      at: Date.now(),
      version: 2,
    });
    ids.push(e.id);
    pipe.xadd(stream, firstMs === undefined ? '*' : `${firstMs + i}-0`, 'type', e.type, 'event', e.json);
  }
  await pipe.exec();
  return ids;
}

const pendingOf = async (stream: string, group: string) => Number(((await redis.call('XPENDING', stream, group)) as [number])[0]);

describe('consumeEvents()', () => {
  it('is exported from the package entry', () => {
    expect(exported).toBe(consumeEvents);
  });

  it('delivers each event once and acknowledges it after the handler finished; a new group starts at the beginning', async () => {
    const { prefix, stream } = fresh();
    const ids = await append(stream, 250);
    const seen: ConsumedEvent[] = [];
    const ac = new AbortController();
    const done = consumeEvents({
      redis,
      prefix,
      group: 'billing',
      consumer: 'one',
      signal: ac.signal,
      blockMs: 100,
      handler: async (e) => {
        // not acknowledged while it is being handled
        if (seen.length === 10) expect(await pendingOf(stream, 'billing')).toBeGreaterThan(0);
        seen.push(e);
        if (seen.length === ids.length) ac.abort();
      },
    });
    await done;
    expect(seen.map((e) => e.event.id)).toEqual(ids);
    expect(new Set(seen.map((e) => e.delivery))).toEqual(new Set(['new']));
    expect(seen.every((e) => e.type === 'preauth.authorized' && schemaProblems(e.event).length === 0)).toBe(true);
    expect(await pendingOf(stream, 'billing')).toBe(0);
  });

  it('a handler that throws stops it with the entry pending; the same consumer re-reads it, another claims it when idle', async () => {
    const { stream } = fresh();
    const ids = await append(stream, 5);
    const boom = new Error('the ledger is down');
    const handled: string[] = [];
    const failing = consumeEvents({
      redis,
      stream,
      group: 'ledger',
      consumer: 'a',
      blockMs: 50,
      handler: (e) => {
        if (e.event.id === ids[2]) throw boom;
        handled.push(e.event.id);
      },
    });
    await expect(failing).rejects.toBe(boom);
    expect(handled).toEqual(ids.slice(0, 2));
    // the one that failed and the two read with it in the same batch, never handled
    expect(await pendingOf(stream, 'ledger')).toBe(3);

    // restarted under its name: its own pending entries first
    const again: ConsumedEvent[] = [];
    const ac = new AbortController();
    await consumeEvents({
      redis,
      stream,
      group: 'ledger',
      consumer: 'a',
      blockMs: 50,
      signal: ac.signal,
      handler: (e) => {
        again.push(e);
        if (again.length === 3) ac.abort();
      },
    });
    expect(again.map((e) => [e.event.id, e.delivery])).toEqual([
      [ids[2], 'pending'],
      [ids[3], 'pending'],
      [ids[4], 'pending'],
    ]);
    expect(await pendingOf(stream, 'ledger')).toBe(0);

    // a consumer that died holding entries: another one claims them once they have been idle long enough
    await redis.xgroup('CREATE', stream, 'audit', '0');
    await redis.call('XREADGROUP', 'GROUP', 'audit', 'dead', 'COUNT', 3, 'STREAMS', stream, '>');
    const claimed: ConsumedEvent[] = [];
    const stop = new AbortController();
    const started = Date.now();
    await consumeEvents({
      redis,
      stream,
      group: 'audit',
      consumer: 'alive',
      claimIdleMs: 300,
      blockMs: 50,
      signal: stop.signal,
      handler: (e) => {
        claimed.push(e);
        if (claimed.length === 5) stop.abort();
      },
    });
    expect(claimed.map((e) => e.event.id).sort()).toEqual([...ids].sort());
    expect(claimed.filter((e) => e.delivery === 'claimed').map((e) => e.event.id)).toEqual(ids.slice(0, 3));
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(await pendingOf(stream, 'audit')).toBe(0);
  });
});

describe('llrecon events --group', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'llr-events-'));

  /** Starts the command; its output lines' event ids as they come. */
  function consumer(prefix: string, name: string) {
    const env = { REDIS_URL: inject('redisUrl'), REDIS_PREFIX: prefix, LIANLIAN_OID_PARTNER: OID, DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    const child = cliProcess(['events', '--group', 'erp', '--consumer', name, '--claim-idle', '1s'], env);
    const ids: string[] = [];
    let rest = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) ids.push((JSON.parse(line) as { event: { id: string } }).event.id);
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, ids, exited };
  }

  it('a consumer killed mid-stream loses nothing: another claims what it had not acknowledged, and handles nothing else twice', async () => {
    const { prefix, stream } = fresh();
    await ensureGroup(redis, stream, 'erp');
    const all = await append(stream, 3000);
    // a consumer that crashed long ago, holding 20 entries
    await redis.call('XREADGROUP', 'GROUP', 'erp', 'crashed', 'COUNT', 20, 'STREAMS', stream, '>');

    const a = consumer(prefix, 'a');
    await waitFor(() => a.ids.length >= 1000, 60_000, 10);
    a.child.kill('SIGKILL');
    await a.exited;
    const pendingWithA = new Set(
      ((await redis.call('XPENDING', stream, 'erp', '-', '+', 10_000, 'a')) as Array<[string]>).map(([streamId]) => streamId),
    );
    const more = await append(stream, 100);

    const b = consumer(prefix, 'b');
    await waitFor(() => new Set([...a.ids, ...b.ids]).size === all.length + more.length, 60_000, 50);
    await waitFor(async () => (await pendingOf(stream, 'erp')) === 0, 10_000, 50);
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);

    // nothing lost; b never printed an event twice; what both printed is exactly what a had not acknowledged
    expect(new Set([...a.ids, ...b.ids])).toEqual(new Set([...all, ...more]));
    expect(b.ids.length).toBe(new Set(b.ids).size);
    expect(a.ids.length).toBe(new Set(a.ids).size);
    const twice = a.ids.filter((id) => b.ids.includes(id));
    const streamIdOf = new Map(
      ((await redis.xrange(stream, '-', '+')) as Array<[string, string[]]>).map(([sid], i) => [[...all, ...more][i], sid]),
    );
    for (const id of twice) expect(pendingWithA.has(streamIdOf.get(id) as string), id).toBe(true);
    // the crashed consumer's 20 were claimed by a or b
    expect(all.slice(0, 20).every((id) => a.ids.includes(id) || b.ids.includes(id))).toBe(true);
  });

  it('refuses --consumer without --group', async () => {
    const env = { REDIS_URL: inject('redisUrl'), LIANLIAN_OID_PARTNER: OID, DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    const child = cliProcess(['events', '--consumer', 'x'], env);
    let err = '';
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(2);
    expect(err).toContain('--consumer needs --group');
  });
});

describe('a consumer group falling behind', () => {
  it('shows in the gauges, and warns once it is past half of EVENTS_RETENTION', async () => {
    const { stream } = fresh();
    const day = 86_400_000;
    const now = Date.now();
    await append(stream, 3, now - 5 * day); // five days old, under a 7-day retention
    await ensureGroup(redis, stream, 'slow');
    await ensureGroup(redis, stream, 'quick', '$');
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const registry = new Registry();
    const check = groupLagWatch({
      redis,
      stream,
      retentionMs: 7 * day,
      registry,
      log: createLogger({ level: 'warn', destination: sink }),
      now: () => now,
    });
    const lags = await check();
    expect(lags.find((g) => g.group === 'slow')).toEqual({ group: 'slow', pending: 0, lag: 3, behindMs: 5 * day });
    expect(lags.find((g) => g.group === 'quick')).toEqual({ group: 'quick', pending: 0, lag: 0, behindMs: 0 });
    const text = await registry.metrics();
    expect(text).toContain(`llrecon_event_group_behind_seconds{group="slow"} ${(5 * day) / 1000}`);
    expect(text).toContain('llrecon_event_group_behind_seconds{group="quick"} 0');
    expect(text).toContain('llrecon_event_group_lag{group="slow"} 3');
    expect(text).toContain(`llrecon_events_retention_seconds ${(7 * day) / 1000}`);
    expect(lines.join('')).toMatch(/consumer group slow is 5d behind; events older than EVENTS_RETENTION \(7d\)/);
    expect(lines.join('')).not.toContain('group quick');

    // read but not acknowledged: still behind (pending), by the oldest unacknowledged event's age
    await redis.call('XREADGROUP', 'GROUP', 'slow', 'x', 'COUNT', 2, 'STREAMS', stream, '>');
    expect((await readGroupLags(redis, stream, now)).find((g) => g.group === 'slow')).toMatchObject({
      pending: 2,
      lag: 1,
      behindMs: 5 * day,
    });
    // caught up: 0, and no warning
    const entries = (await redis.xrange(stream, '-', '+')) as Array<[string, string[]]>;
    await redis.call('XREADGROUP', 'GROUP', 'slow', 'x', 'COUNT', 10, 'STREAMS', stream, '>');
    await redis.xack(stream, 'slow', ...entries.map(([id]) => id));
    lines.length = 0;
    expect((await check()).find((g) => g.group === 'slow')).toEqual({ group: 'slow', pending: 0, lag: 0, behindMs: 0 });
    expect(lines).toEqual([]);
  });

  it('is nothing for a stream that does not exist yet', async () => {
    expect(await readGroupLags(redis, fresh().stream, Date.now())).toEqual([]);
  });
});
