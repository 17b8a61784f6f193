// llrecon enqueue: start tracking one order from flags, or many from a JSONL/CSV file (with progress).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { LlreconError } from '../../errors.js';
import { MAX_BATCH, trackOrders } from '../../poll/track.js';
import { decodeUtf8Body } from '../../utf8.js';
import { cliActor, openOps } from '../ops.js';
import { detectFormat, parseOrderLines } from '../order-file.js';
import { progress } from '../progress.js';

interface EnqueueFlags {
  file?: string;
  no_order?: string;
  dt_order?: string;
  money_order?: string;
  oid_paybill?: string;
  pay_type?: string;
  valid_order?: string;
  platform?: string;
  actor?: string;
}

function orderFromFlags(f: EnqueueFlags): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const k of ['no_order', 'dt_order', 'money_order', 'oid_paybill', 'pay_type', 'platform'] as const)
    if (f[k] !== undefined) o[k] = f[k];
  if (f.valid_order !== undefined) o.valid_order = /^\d+$/.test(f.valid_order) ? Number(f.valid_order) : f.valid_order;
  return o;
}

export function register(program: Command): void {
  program
    .command('enqueue')
    .description('start tracking orders: one from flags, or many from a JSONL or CSV file (validated whole first)')
    .option('-f, --file <path>', 'JSON Lines (one order object per line) or CSV (a header row of field names), told apart by content')
    .option('--no_order <no_order>', 'merchant order number (≤ 32 chars)')
    .option('--dt_order <yyyyMMddHHmmss>', 'order time, UTC+8')
    .option('--money_order <amount>', 'amount, two decimals, e.g. 210.97')
    .option('--oid_paybill <id>', "LianLian's transaction number, when known")
    .option('--pay_type <F|G>', 'F credit (default) or G debit pre-authorization')
    .option('--valid_order <minutes>', 'validity of the hold in minutes (default 10080)')
    .option('--platform <platform>', 'LianLian platform id, when used')
    .option('--actor <name>', 'on whose behalf (kept in the history beside your OS user)')
    .addHelpText(
      'after',
      '\nExamples:\n  llrecon enqueue --no_order A123 --dt_order 20261124103000 --money_order 99.00\n  llrecon enqueue --file orders.jsonl',
    )
    .action(async (flags: EnqueueFlags) => {
      if (!flags.file && flags.no_order === undefined)
        throw new LlreconError('LLRECON_MISSING_FIELD', 'give --file, or --no_order and --dt_order', { field: 'no_order' });
      const lines = flags.file ? decodeUtf8Body(readFileSync(flags.file), flags.file).split(/\r?\n/) : [];
      const orders = flags.file ? parseOrderLines(lines, detectFormat(lines, flags.file)) : [orderFromFlags(flags)];
      const ops = await openOps(loadConfig());
      const actor = cliActor(flags.actor);
      try {
        const bar = progress(orders.length, 'tracking');
        let accepted = 0;
        let duplicates = 0;
        for (let i = 0; i < orders.length; i += MAX_BATCH) {
          const batch = orders.slice(i, i + MAX_BATCH);
          const r = await trackOrders(ops, { orders: batch }, { source: flags.file ? 'import' : 'cli', actor });
          accepted += r.accepted.length;
          duplicates += r.duplicates.length;
          bar.tick(batch.length);
        }
        bar.done();
        process.stdout.write(`${accepted} accepted, ${duplicates} duplicates (already tracked)\n`);
      } finally {
        await ops.close();
      }
    });
}
