// Settlement reconciliation as a part of the engine (createEngine): its deps from the engine's context, its
// metrics on the engine's registry, and `not_captured` rows' confirming queries through the engine's queues.
import type { EngineContext } from '../engine-context.js';
import { requestConfirm } from '../poll/request-confirm.js';
import { settlementDeps } from './deps.js';
import { settlementMetrics } from './metrics.js';
import { SettlementService } from './service.js';

/**
 * The confirming query of an order a settlement row shows settled while llrecon has it in another state, at routine
 * urgency (its routine poll made due now). Recorded in the order's history as an action of `settlement` (ActionMeta's
 * `import` source).
 */
export function settlementConfirm(ctx: Pick<EngineContext, 'store' | 'queues' | 'now'>): (noOrder: string) => Promise<boolean> {
  return (noOrder) =>
    requestConfirm(
      ctx,
      noOrder,
      'requery',
      {
        source: 'import',
        actor: 'settlement',
        reason: 'a settlement file shows it settled while llrecon has it in another state',
      },
      // a monthly file may ask thousands: they wait their turn among routine polls instead of going ahead of them
      { urgency: 'routine' },
    );
}

export function createSettlements(ctx: EngineContext): SettlementService {
  return new SettlementService(
    settlementDeps({
      redis: ctx.redis,
      ks: ctx.ks,
      oidPartner: ctx.oidPartner,
      config: ctx.config,
      log: ctx.log.child({ component: 'settlement' }),
      now: ctx.now,
      confirm: settlementConfirm(ctx),
      metrics: settlementMetrics(ctx.metrics.registry, ctx.now),
    }),
    ctx.config,
  );
}
