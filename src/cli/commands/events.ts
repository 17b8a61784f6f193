// llrecon events: print the event stream (CloudEvents), follow it like `tail -f`, or consume it in a consumer
// group (--group): each event printed, then acknowledged; what a dead consumer left pending is claimed.
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { LlreconError } from '../../errors.js';
import { consumeEvents } from '../../events/consume.js';
import { parseDuration } from '../../reconcile/duration.js';
import type { CloudEvent } from '../../store/cloud-event.js';
import { followEvents, readEvents } from '../../store/event-stream.js';
import { openOps } from '../ops.js';

interface EventsFlags {
  from?: string;
  count: string;
  follow?: boolean;
  group?: string;
  consumer?: string;
  claimIdle: string;
}

/** One line of output; resolves once the line has been handed to the operating system (then it may be acknowledged). */
function print(e: { streamId: string; type: string; event: CloudEvent }): Promise<void> {
  const line = `${JSON.stringify({ stream_id: e.streamId, type: e.type, event: e.event })}\n`;
  return new Promise((resolve, reject) => process.stdout.write(line, (err) => (err ? reject(err) : resolve())));
}

export function register(program: Command): void {
  program
    .command('events')
    .description(
      'print order events from the Redis Stream; --follow keeps printing new ones; --group reads in a consumer group, ' +
        'at least once (acknowledged after printing; de-duplicate by event.id)',
    )
    .option('--from <id>', 'stream id to start after (0 = the beginning; with --follow, $ = only new ones)')
    .option('--count <n>', 'how many to print without --follow', '100')
    .option('-f, --follow', 'keep printing events as they arrive (Ctrl-C to stop)')
    .option('--group <name>', 'read in this consumer group (created at the stream start when missing) until stopped')
    .option('--consumer <name>', "this consumer's name in the group (default: the host name)")
    .option('--claim-idle <duration>', "with --group: claim another consumer's unacknowledged events after this long", '60s')
    .action(async (flags: EventsFlags) => {
      if (flags.group !== undefined && !/^[\x21-\x7e]{1,200}$/.test(flags.group))
        throw new LlreconError('LLRECON_INVALID_FIELD', '--group: 1 to 200 printable characters without spaces', { field: '--group' });
      if (flags.group === undefined && flags.consumer !== undefined)
        throw new LlreconError('LLRECON_INVALID_FIELD', '--consumer needs --group', { field: '--consumer' });
      const claimIdleMs = parseDuration(flags.claimIdle, '--claim-idle');
      const ops = await openOps(loadConfig());
      const ac = new AbortController();
      const stop = () => ac.abort();
      try {
        if (flags.group === undefined && !flags.follow) {
          for (const e of await readEvents(ops.redis, ops.ks, flags.from ?? '0', Number(flags.count))) await print(e);
          return;
        }
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        if (flags.group === undefined) await followEvents(ops.redis, ops.ks, flags.from ?? '$', print, ac.signal);
        else
          await consumeEvents({
            redis: ops.redis,
            stream: ops.ks.events,
            group: flags.group,
            consumer: flags.consumer ?? hostname(),
            claimIdleMs,
            handler: print,
            signal: ac.signal,
          });
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        await ops.close();
      }
    });
}
