// The fast half of callback handling: put the raw body in the notify queue, durably, and nothing else.
// Exact duplicates (LianLian resends every 2 minutes until acknowledged) collapse on the job id.
import { createHash } from 'node:crypto';
import type { EngineContext } from '../engine-context.js';

export function notifyJobId(kind: 'async' | 'return', raw: string): string {
  return `n-${kind}-${createHash('sha256').update(raw).digest('hex').slice(0, 40)}`;
}

export async function acceptNotification(ctx: Pick<EngineContext, 'queues' | 'now'>, raw: string, kind: 'async' | 'return'): Promise<void> {
  await ctx.queues.notify.add('notify', { kind, raw, at: ctx.now() }, { jobId: notifyJobId(kind, raw) });
}
