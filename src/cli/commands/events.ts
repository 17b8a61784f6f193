// llrecon events: print the event stream (CloudEvents), or follow it like `tail -f`.
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { followEvents, readEvents, type StreamEvent } from '../../store/event-stream.js';
import { openOps } from '../ops.js';

export function register(program: Command): void {
  program
    .command('events')
    .description('print order events from the Redis Stream; --follow keeps printing new ones')
    .option('--from <id>', 'stream id to start after (0 = the beginning; with --follow, $ = only new ones)')
    .option('--count <n>', 'how many to print without --follow', '100')
    .option('-f, --follow', 'keep printing events as they arrive (Ctrl-C to stop)')
    .action(async (flags: { from?: string; count: string; follow?: boolean }) => {
      const ops = await openOps(loadConfig());
      const print = (e: StreamEvent) =>
        process.stdout.write(`${JSON.stringify({ stream_id: e.streamId, type: e.type, event: e.event })}\n`);
      try {
        if (!flags.follow) {
          for (const e of await readEvents(ops.redis, ops.ks, flags.from ?? '0', Number(flags.count))) print(e);
          return;
        }
        const ac = new AbortController();
        const stop = () => ac.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        await followEvents(ops.redis, ops.ks, flags.from ?? '$', print, ac.signal);
      } finally {
        await ops.close();
      }
    });
}
