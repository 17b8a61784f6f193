// llrecon requery: the operators' tool — query now, for one order, a list, or a filter (state, older than).
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { LlreconError } from '../../errors.js';
import { requestConfirm } from '../../poll/request-confirm.js';
import { parseDuration } from '../../reconcile/duration.js';
import { isOrderState } from '../../reconcile/states.js';
import { untrackedAt } from '../../poll/untrack.js';
import { cliActor, openOps, type Ops } from '../ops.js';
import { progress } from '../progress.js';

interface RequeryFlags {
  state?: string;
  olderThan?: string;
  reason: string;
  actor?: string;
  limit: string;
}

async function selectByFilter(ops: Ops, flags: RequeryFlags): Promise<string[]> {
  if (flags.state !== undefined && !isOrderState(flags.state))
    throw new LlreconError('LLRECON_INVALID_FIELD', `--state: unknown state "${flags.state}"`, { field: 'state' });
  const olderThan = flags.olderThan ? ops.now() - parseDuration(flags.olderThan, '--older-than') : undefined;
  const limit = Number(flags.limit);
  const found: string[] = [];
  for (let offset = 0; found.length < limit;) {
    const page = await ops.store.list({ state: flags.state as never, olderThan, limit: Math.min(500, limit - found.length), offset });
    found.push(...page.orders.map((o) => o.no_order));
    offset += page.orders.length;
    if (page.orders.length === 0 || offset >= page.total) break;
  }
  return found;
}

export function register(program: Command): void {
  program
    .command('requery')
    .description('query orders now, ahead of routine polls (also final ones: emits only if something changed)')
    .argument('[no_order...]', 'order numbers')
    .option('--state <state>', 'every order in this state (e.g. authorized, abandoned)')
    .option('--older-than <duration>', 'only orders tracked longer ago than this (e.g. 1h, 2d)')
    .option('--reason <text>', "why (kept in each order's history)", 'requested from the CLI')
    .option('--actor <name>', "on whose behalf (kept in each order's history beside your OS user)")
    .option('--limit <n>', 'at most this many orders from a filter', '10000')
    .action(async (nos: string[], flags: RequeryFlags) => {
      if (nos.length === 0 && flags.state === undefined && flags.olderThan === undefined)
        throw new LlreconError('LLRECON_MISSING_FIELD', 'give order numbers, --state or --older-than', { field: 'no_order' });
      const ops = await openOps(loadConfig());
      try {
        const targets = nos.length > 0 ? nos : await selectByFilter(ops, flags);
        const bar = progress(targets.length, 'requery');
        const actor = cliActor(flags.actor);
        const unknown: string[] = [];
        const untracked: string[] = [];
        for (const no of targets) {
          // an order an operator untracked is polled no more: post it again first
          if ((await untrackedAt(ops, no)) !== null) untracked.push(no);
          else if (!(await requestConfirm(ops, no, 'requery', { source: 'cli', actor, reason: flags.reason }))) unknown.push(no);
          bar.tick(1);
        }
        bar.done();
        const done = targets.length - unknown.length - untracked.length;
        process.stdout.write(
          `${done} re-queried${unknown.length ? `, not tracked: ${unknown.join(' ')}` : ''}` +
            `${untracked.length ? `, untracked (post them again first): ${untracked.join(' ')}` : ''}\n`,
        );
        if (unknown.length + untracked.length > 0) process.exitCode = 1;
      } finally {
        await ops.close();
      }
    });
}
