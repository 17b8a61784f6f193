// Capture and void as a part of the engine (createEngine): the LianLian client in query processes, the runner that
// sends and settles actions and sweeps the holds, and what the HTTP API and the CLI call.
import { PreauthActionClient } from '../clients/preauth-action-client.js';
import type { EngineContext } from '../engine-context.js';
import { TRADER_API_URL } from '../lianlian/endpoints.js';
import type { PrivateKey } from '../lianlian/keys.js';
import { ACTION_FIELD } from '../store/action-keys.js';
import type { ActionRecord } from '../store/action-record.js';
import { expiringHolds } from './holds.js';
import { readAction, requestAction, type ActionRequest, type ActionRequested } from './request.js';
import { startActionRunner, type ActionRunner, type ActionRunnerOptions } from './runner.js';

/** What the engine's surface offers of actions. */
export interface EngineActions {
  /** Checks and records a capture or void (sent at most once by a query process). */
  request(r: ActionRequest): Promise<ActionRequested>;
  /** The action stored under `id`, or null. */
  get(id: string): Promise<ActionRecord | null>;
  /** The order's latest action, or null. */
  latest(noOrder: string): Promise<ActionRecord | null>;
  /** Authorized orders flagged hold_expiring, soonest deadline first. */
  expiringHolds(limit?: number): Promise<Array<{ no_order: string; deadline: number }>>;
  /** The runner of this process (query role, once started), for tests and operators. */
  readonly runner: ActionRunner | null;
  start(): void;
  close(): Promise<void>;
}

export interface EngineActionOptions {
  /** Base of the capture/void endpoints: LIANLIAN_TRADER_URL, else production's, else the query URL's origin (the simulator). */
  traderUrl?: string;
  queryUrl: string;
  merchantKey: PrivateKey;
  runner?: ActionRunnerOptions;
}

/** The base URL of the capture/void endpoints for this engine. */
export function traderUrlFor(ctx: Pick<EngineContext, 'config'>, o: Pick<EngineActionOptions, 'traderUrl' | 'queryUrl'>): string {
  if (o.traderUrl) return o.traderUrl;
  if (ctx.config.traderUrl) return ctx.config.traderUrl;
  // the sandbox's simulator serves every LianLian path under one origin
  return ctx.config.env === 'production' ? TRADER_API_URL : new URL('/', o.queryUrl).toString();
}

/** Wires actions into the engine's context (sets `ctx.actionClient` in query processes). */
export function createEngineActions(ctx: EngineContext, o: EngineActionOptions): EngineActions {
  const queries = ctx.config.roles.has('query');
  const client = queries
    ? new PreauthActionClient({
        traderUrl: traderUrlFor(ctx, o),
        oidPartner: ctx.oidPartner,
        privateKey: o.merchantKey,
        lianlianPublicKey: ctx.lianlianKey,
        timeoutMs: ctx.config.queryTimeoutMs,
        platform: ctx.config.platform,
      })
    : null;
  ctx.actionClient = client;
  let runner: ActionRunner | null = null;
  return {
    request: (r) => requestAction(ctx, r),
    get: (id) => readAction(ctx, id),
    async latest(noOrder) {
      const id = await ctx.redis.hget(ctx.ks.order(noOrder), ACTION_FIELD.lastAction);
      return id === null ? null : readAction(ctx, id);
    },
    expiringHolds: (limit) => expiringHolds(ctx, limit),
    get runner() {
      return runner;
    },
    start() {
      if (queries && runner === null) runner = startActionRunner(ctx, o.runner);
    },
    async close() {
      await runner?.stop();
      client?.close();
    },
  };
}
