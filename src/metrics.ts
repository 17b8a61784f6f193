// Prometheus metrics (prom-client). One registry per engine, so tests and several engines in one process
// never share counters. Names are part of the operator's contract (README "Metrics", example alert rules).
// A process registers (and so exposes) the counters of the work its ROLES do — a `query` process the queries,
// a `notify` process the callbacks — and every alert kind its roles can raise starts at 0, so that Prometheus'
// increase() sees the first alert (a series that appears at 1 has no increase). The gauges read from Redis
// describe the shared Redis and are exposed by every process (aggregate them with max, not sum).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Role } from './config.js';
import type { Alert } from './reconcile/decide.js';

/** Every alert kind, with the roles whose work raises it. A new kind is added here (and to the README). */
export const ALERT_KINDS = {
  config_error: ['query'],
  not_found_overdue: ['query'],
  amount_mismatch: ['query', 'notify'],
  unknown_code: ['query'],
  abandoned: ['query'],
  regression: ['query'],
  post_final_disagreement: ['query'],
  wrong_oid_paybill: ['query'],
  callback_rejected: ['notify'],
  hold_expiring: ['query'],
  redis_refuses_writes: ['api', 'query', 'notify'],
} as const satisfies Record<string, readonly Role[]>;

export type AlertKind = keyof typeof ALERT_KINDS;

// every alert the policy can decide on has its series
const policyAlertsListed: Alert extends AlertKind ? true : never = true;
void policyAlertsListed;

/** The alert kinds a process with `roles` can raise. */
export function alertKindsOf(roles: ReadonlySet<Role>): AlertKind[] {
  return (Object.keys(ALERT_KINDS) as AlertKind[]).filter((k) => ALERT_KINDS[k].some((r) => roles.has(r)));
}

export interface MetricsSources {
  /** The roles of this process: which counters it exposes (default all). */
  roles?: ReadonlySet<Role>;
  /** Orders per state, read from Redis at scrape time; null while Redis cannot tell (the gauge is then left out). */
  orderCounts?: () => Promise<Record<string, number> | null>;
  /** Jobs per queue and job state, read from Redis at scrape time; null while Redis cannot tell. */
  queueCounts?: () => Promise<Record<string, Record<string, number>> | null>;
}

export function createMetrics(sources: MetricsSources = {}) {
  const registry = new Registry();
  // prom-client's own names already start with process_ / nodejs_: llrecon_process_cpu_seconds_total …
  collectDefaultMetrics({ register: registry, prefix: 'llrecon_' });
  const roles = sources.roles ?? new Set<Role>(['api', 'query', 'notify']);
  // counters of work this process does not do stay unregistered: counting into them is harmless, never exposed
  const of = (...owners: Role[]) => (owners.some((r) => roles.has(r)) ? [registry] : []);

  const queries = new Counter({
    name: 'llrecon_queries_total',
    help: 'Pre-auth queries sent to LianLian, by outcome (change, same, retry, not_found, config, unknown, failure, untrusted, regression, post_final, wrong_paybill) and ret_code',
    labelNames: ['outcome', 'ret_code'] as const,
    registers: of('query'),
  });
  const queryLatency = new Histogram({
    name: 'llrecon_query_duration_seconds',
    help: 'Time from sending a pre-auth query to having its verified answer (or failure)',
    labelNames: ['result'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: of('query'),
  });
  const events = new Counter({
    name: 'llrecon_events_total',
    help: 'Order state-change events appended to the event stream, by type',
    labelNames: ['type'] as const,
    registers: [registry], // appended by whichever process changes an order
  });
  const callbacks = new Counter({
    name: 'llrecon_callbacks_total',
    help: 'LianLian callbacks checked by the notify workers, by verdict (accepted, rejected, untracked) and reason',
    labelNames: ['verdict', 'reason'] as const,
    registers: of('notify'),
  });
  const rateLimitWait = new Counter({
    name: 'llrecon_rate_limit_wait_seconds_total',
    help: 'Time query workers spent waiting for the QUERY_RATE_PER_SEC cap',
    registers: of('query'),
  });
  const merchantPauses = new Counter({
    name: 'llrecon_merchant_pauses_total',
    help: 'Times querying was paused for the merchant because LianLian reported a configuration error, by ret_code',
    labelNames: ['ret_code'] as const,
    registers: of('query'),
  });
  const untrustedAnswers = new Counter({
    name: 'llrecon_untrusted_answers_total',
    help: 'Query answers not believed (never a state), by reason: unsigned, bad_signature, no_oid_partner, other_merchant, other_order, other_dt_order, other_oid_paybill',
    labelNames: ['reason'] as const,
    registers: of('query'),
  });
  const alerts = new Counter({
    name: 'llrecon_alerts_total',
    help: `Conditions that need a person, by kind: ${Object.keys(ALERT_KINDS).join(', ')}`,
    labelNames: ['kind'] as const,
    registers: [registry],
  });

  for (const kind of alertKindsOf(roles)) alerts.inc({ kind }, 0);

  if (sources.orderCounts) {
    const read = sources.orderCounts;
    new Gauge({
      name: 'llrecon_orders',
      help: 'Tracked orders per state',
      labelNames: ['state'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const [state, n] of Object.entries((await read()) ?? {})) this.set({ state }, n);
      },
    });
  }
  if (sources.queueCounts) {
    const read = sources.queueCounts;
    new Gauge({
      name: 'llrecon_queue_jobs',
      help: 'BullMQ jobs per queue and job state',
      labelNames: ['queue', 'state'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const [queue, byState] of Object.entries((await read()) ?? {}))
          for (const [state, n] of Object.entries(byState)) this.set({ queue, state }, n);
      },
    });
  }

  return { registry, queries, queryLatency, events, callbacks, rateLimitWait, merchantPauses, untrustedAnswers, alerts };
}

export type Metrics = ReturnType<typeof createMetrics>;
