// llrecon start (what `npm start` runs): the daemon, until SIGTERM/SIGINT.
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { runDaemon } from '../../daemon.js';

export function register(program: Command): void {
  program
    .command('start')
    .description('run the daemon: sandbox mode with nothing configured, LIANLIAN_ENV=production for LianLian')
    .option('--demo-orders <n>', 'demo orders to track in sandbox mode', '8')
    .action(async (flags: { demoOrders: string }) => {
      await runDaemon(loadConfig(), { demoOrders: Number(flags.demoOrders) });
    });
}
