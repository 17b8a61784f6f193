// llrecon status <no_order>: the order's record and its timeline (changes, queries, callbacks, actions).
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { LlreconError } from '../../errors.js';
import { openOps } from '../ops.js';

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? '-' : new Date(ms).toISOString());

export function register(program: Command): void {
  program
    .command('status')
    .description("show an order's state and timeline")
    .argument('<no_order>', 'order number')
    .option('--json', 'print JSON instead of text')
    .action(async (no: string, flags: { json?: boolean }) => {
      const ops = await openOps(loadConfig());
      try {
        const order = await ops.store.get(no);
        if (!order) throw new LlreconError('LLRECON_ORDER_NOT_FOUND', `order ${no} is not tracked`);
        const [history, timeline] = await Promise.all([ops.store.history(no), ops.store.timeline(no, 50)]);
        if (flags.json) {
          process.stdout.write(`${JSON.stringify({ order, history, timeline }, null, 2)}\n`);
          return;
        }
        const out = [
          `order ${order.no_order}: ${order.state}${order.final ? ' (final)' : ''}  ret_code ${order.ret_code ?? '-'} ${order.ret_msg ?? ''}`,
          `  dt_order ${order.dt_order}  money_order ${order.money_order ?? '-'}  oid_paybill ${order.oid_paybill ?? '-'}`,
          `  tracked ${iso(order.tracked_at)}  polls ${order.polls}  next poll ${iso(order.next_poll_at)}  horizon ${iso(order.horizon_at)}`,
          'history:',
          ...history.map((h) => {
            const e = h as Record<string, unknown>;
            if (e.kind === 'change')
              return `  ${iso(e.at as number)}  ${String(e.from)} → ${String(e.to)}  ${String(e.ret_code ?? '')}  via ${String(e.via)}`;
            if (e.kind === 'action')
              return `  ${iso(e.at as number)}  ${String(e.action)} by ${String(e.actor)}: ${String(e.reason ?? '')}`;
            return `  ${iso(e.at as number)}  ${String(e.kind)} ${String(e.state ?? '')}`;
          }),
          'recent queries and callbacks (newest first):',
          ...timeline.map((t) => {
            const e = t as Record<string, unknown>;
            return e.kind === 'query'
              ? `  ${iso(e.at as number)}  query → ${String(e.ret_code ?? 'no answer')} (${String(e.outcome)})`
              : `  ${iso(e.at as number)}  ${String(e.kind)} ${String(e.verdict ?? e.action ?? '')} ${String(e.reason ?? '')}`;
          }),
        ];
        process.stdout.write(`${out.join('\n')}\n`);
      } finally {
        await ops.close();
      }
    });
}
