// Reading the event stream in tests.
import type { Stack } from './stack.js';

export interface SeenEvent {
  streamId: string;
  type: string;
  event: {
    specversion: string;
    id: string;
    source: string;
    type: string;
    subject: string;
    time: string;
    datacontenttype: string;
    data: Record<string, string | null>;
  };
}

export async function allEvents(stack: Pick<Stack, 'engine'>): Promise<SeenEvent[]> {
  const { redis, ks } = stack.engine.ctx;
  const rows = (await redis.xrange(ks.events, '-', '+')) as Array<[string, string[]]>;
  return rows.map(([streamId, fields]) => {
    const m = new Map<string, string>();
    for (let i = 0; i < fields.length; i += 2) m.set(fields[i] as string, fields[i + 1] as string);
    return { streamId, type: m.get('type') as string, event: JSON.parse(m.get('event') as string) } as SeenEvent;
  });
}

export async function eventsOf(stack: Pick<Stack, 'engine'>, noOrder: string): Promise<SeenEvent[]> {
  return (await allEvents(stack)).filter((e) => e.event.subject === noOrder);
}
