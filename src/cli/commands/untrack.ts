// llrecon untrack: stop tracking orders on purpose, with a reason; the history keeps who (the OS user, and
// --actor as a claim) and why, and the stream gets one preauth.untracked event per order.
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { LlreconError } from '../../errors.js';
import { untrackOrder } from '../../poll/untrack.js';
import { cliActor, openOps } from '../ops.js';

interface UntrackFlags {
  reason?: string;
  actor?: string;
}

export function register(program: Command): void {
  program
    .command('untrack')
    .description('stop tracking orders on purpose (their record stays; posting an order again tracks it again)')
    .argument('<no_order...>', 'order numbers')
    .requiredOption('--reason <text>', "why (kept in each order's history and in its preauth.untracked event)")
    .option('--actor <name>', 'on whose behalf (recorded beside your OS user)')
    .addHelpText('after', '\nExample:\n  llrecon untrack A123 --reason "cancelled in the shop; LianLian has no record"')
    .action(async (nos: string[], flags: UntrackFlags) => {
      const reason = flags.reason?.trim() ?? '';
      if (reason === '')
        throw new LlreconError('LLRECON_MISSING_FIELD', '--reason: say why the orders stop being tracked', { field: 'reason' });
      const ops = await openOps(loadConfig());
      try {
        const actor = cliActor(flags.actor);
        const unknown: string[] = [];
        for (const no of nos) {
          const r = await untrackOrder(ops, no, { source: 'cli', actor, reason });
          if (r === null) unknown.push(no);
          else process.stdout.write(`${no}: ${r.already ? 'already untracked' : 'untracked'} (state ${r.state})\n`);
        }
        if (unknown.length > 0) {
          process.stdout.write(`not tracked: ${unknown.join(' ')}\n`);
          process.exitCode = 1;
        }
      } finally {
        await ops.close();
      }
    });
}
