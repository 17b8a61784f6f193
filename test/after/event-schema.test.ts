// After the whole test run: every event that any test's llrecon wrote to the shared test Redis fits
// docs/events.schema.json, and no stream holds one event id twice. Test stacks never delete their keys, so each
// `<prefix>:events` stream of the run is still there to read (stacks with a Redis of their own — the daemon,
// Cluster and Sentinel tests — validate their events themselves).
import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import { entryFields } from '../../src/store/event-stream.js';
import { schemaProblems } from '../support/event-schema.js';

it('every event the suite emitted fits docs/events.schema.json, and none is in its stream twice', async () => {
  const redis = new Redis(inject('redisUrl'));
  try {
    const streams: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = (await redis.call('SCAN', cursor, 'MATCH', '*events', 'TYPE', 'stream', 'COUNT', 1000)) as [string, string[]];
      cursor = next;
      // llrecon's own stream only: `<prefix>:events` or `{<prefix>}:events`, not BullMQ's `<prefix>:<queue>:events`
      streams.push(...keys.filter((k) => /^(\{[\w.-]+\}|[\w.-]+):events$/.test(k)));
    } while (cursor !== '0');
    const problems: string[] = [];
    const types = new Map<string, number>();
    let total = 0;
    for (const stream of streams) {
      const seen = new Set<string>();
      for (const [streamId, fields] of (await redis.xrange(stream, '-', '+')) as Array<[string, string[]]>) {
        total++;
        const { type, event } = entryFields(fields);
        let parsed: { id?: string; type?: string } | null = null;
        try {
          parsed = JSON.parse(event ?? 'null') as { id?: string; type?: string };
        } catch {
          problems.push(`${stream} ${streamId}: the event field is not JSON`);
          continue;
        }
        const why = schemaProblems(parsed);
        if (why.length) problems.push(`${stream} ${streamId} (${type}): ${why.slice(0, 3).join('; ')}`);
        if (parsed?.type !== type) problems.push(`${stream} ${streamId}: the entry's type ${type} is not the event's ${parsed?.type}`);
        if (parsed?.id !== undefined && seen.has(parsed.id)) problems.push(`${stream} ${streamId}: id ${parsed.id} again`);
        if (parsed?.id !== undefined) seen.add(parsed.id);
        types.set(type, (types.get(type) ?? 0) + 1);
      }
    }
    expect(problems.slice(0, 20)).toEqual([]);
    // the run really emitted events, of the kinds the suite exercises
    expect(total).toBeGreaterThan(100);
    expect([...types.keys()]).toEqual(
      expect.arrayContaining(['preauth.updated', 'preauth.authorized', 'preauth.captured', 'preauth.abandoned']),
    );
  } finally {
    redis.disconnect();
  }
});
