// llrecon start (what `npm start` runs): the daemon, until SIGTERM/SIGINT.
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { startDaemon } from '../../daemon.js';

export function register(program: Command): void {
  program
    .command('start')
    .description('run the daemon: sandbox mode with nothing configured, LIANLIAN_ENV=production for LianLian')
    .option('--demo-orders <n>', 'demo orders to track in sandbox mode', '8')
    .action(async (flags: { demoOrders: string }) => {
      const daemon = await startDaemon(loadConfig(), { demoOrders: Number(flags.demoOrders) });
      let signals = 0;
      const shutdown = (sig: NodeJS.Signals) => {
        signals++;
        if (signals > 1) {
          process.stderr.write(`${sig} again: exiting now\n`);
          process.exit(1);
        }
        daemon.engine.log.info({ signal: sig }, 'shutting down: no new work, finishing in-flight jobs');
        void daemon.stop().then(() => process.exit(0));
      };
      process.on('SIGTERM', shutdown);
      process.on('SIGINT', shutdown);
    });
}
