// What the HTTP server, the CLI and embedding programs see of a running llrecon: the engine's surface.
// The engine itself (src/engine.ts) wires Redis, the store, the queues and the workers behind it.
import type { Queue } from 'bullmq';
import type { EngineActions } from './actions/for-engine.js';
import type { SessionStore } from './auth/sessions.js';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { CallbackDoor } from './notify/door.js';
import type { UntrackResult } from './poll/untrack.js';
import type { OrderPage, OrderPageQuery } from './store/order-page.js';
import type { TimelineEntry } from './store/order-record.js';
import type { OrderStore } from './store/order-store.js';
import type { SettlementService } from './settlement/service.js';

/** Who asked for something, recorded in the order's history (Kill Bill's created-by / reason). */
export interface ActionMeta {
  actor?: string;
  reason?: string;
  source: 'api' | 'cli' | 'import' | 'embed' | 'dashboard';
}

export interface TrackResult {
  accepted: string[];
  duplicates: string[];
}

/** A LianLian callback the notify workers did not apply: rejected (forged, mangled, mismatched) or untracked. */
export interface CallbackRecord {
  at: number;
  kind: 'async' | 'return';
  verdict: 'rejected' | 'untracked';
  reason: string;
  no_order: string | null;
  oid_partner: string | null;
  money_order: string | null;
  /** The signed string, for troubleshooting (never secret). */
  signString: string | null;
  /** The sender's address (callbacks refused at the door). */
  source?: string | null;
  /** Refused at the door (a sampled, scrubbed record), not by the notify workers. */
  door?: boolean;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, boolean>;
  /** Why not ready, one line per failed check (absent when ready). */
  reasons?: string[];
}

export interface Engine {
  readonly config: Config;
  readonly log: Logger;
  readonly store: OrderStore;
  readonly metrics: Metrics;
  /** Every llrecon BullMQ queue, for the dashboard. */
  readonly queues: Queue[];
  /** The dashboard's sessions (in Redis). */
  readonly sessions: SessionStore;
  /** Settlement files: imports, reports (absent in embedders' stand-ins). */
  readonly settlements?: SettlementService;
  /** Capture and void (src/actions/): request, read, the holds flagged hold_expiring. */
  readonly actions?: EngineActions;
  /**
   * Start tracking one order (`{...}`) or a batch (`{"orders":[...]}`, ≤ 1000). Validates everything first and
   * throws an LlreconError naming the field (`orders[1].dt_order`) before tracking anything.
   */
  track(body: unknown, meta: ActionMeta): Promise<TrackResult>;
  /** Query now, ahead of routine polls; also for a final order (a one-off confirming query). false: unknown order. */
  requery(noOrder: string, meta: ActionMeta): Promise<boolean>;
  /** Stop tracking an order on purpose (`meta.reason` required); null: unknown order. */
  untrack(noOrder: string, meta: ActionMeta): Promise<UntrackResult | null>;
  /** When an operator untracked the order, or null (tracked, or unknown). */
  untrackedAt(noOrder: string): Promise<number | null>;
  /** Orders newest first, one page behind a stable cursor (`GET /orders`). */
  listOrders(q: OrderPageQuery): Promise<OrderPage>;
  /** Durably queue a raw callback body for the notify workers (exact duplicates collapse). Resolves once queued. */
  acceptNotification(raw: string, kind: 'async' | 'return'): Promise<void>;
  /** Callbacks kept for operators, newest first. */
  callbacks(verdict: 'rejected' | 'untracked', limit: number): Promise<CallbackRecord[]>;
  /** Rejected callbacks naming `noOrder` (kept apart from its timeline), newest first. */
  orderRejectedCallbacks(noOrder: string, limit: number): Promise<TimelineEntry[]>;
  /** The callback door of the public callback routes (one per engine). */
  readonly callbackDoor: CallbackDoor;
  readiness(): Promise<Readiness>;
  /** False while the engine's Redis connection is known to be lost (no round trip): requests then fail fast with 503. */
  redisReady(): boolean;
  close(): Promise<void>;
}
