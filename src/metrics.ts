// Prometheus metrics (prom-client). One registry per engine, so tests and several engines in one process
// never share counters. Names are part of the operator's contract (README "Metrics", example alert rules).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricsSources {
  /** Orders per state, read from Redis at scrape time. */
  orderCounts?: () => Promise<Record<string, number>>;
  /** Jobs per queue and job state, read from Redis at scrape time. */
  queueCounts?: () => Promise<Record<string, Record<string, number>>>;
}

export function createMetrics(sources: MetricsSources = {}) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'llrecon_process_' });

  const queries = new Counter({
    name: 'llrecon_queries_total',
    help: 'Pre-auth queries sent to LianLian, by outcome (change, same, retry, not_found, config, unknown, failure, untrusted) and ret_code',
    labelNames: ['outcome', 'ret_code'] as const,
    registers: [registry],
  });
  const queryLatency = new Histogram({
    name: 'llrecon_query_duration_seconds',
    help: 'Time from sending a pre-auth query to having its verified answer (or failure)',
    labelNames: ['result'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const events = new Counter({
    name: 'llrecon_events_total',
    help: 'Order state-change events appended to the event stream, by type',
    labelNames: ['type'] as const,
    registers: [registry],
  });
  const callbacks = new Counter({
    name: 'llrecon_callbacks_total',
    help: 'LianLian callbacks checked by the notify workers, by verdict (accepted, rejected, untracked) and reason',
    labelNames: ['verdict', 'reason'] as const,
    registers: [registry],
  });
  const rateLimitWait = new Counter({
    name: 'llrecon_rate_limit_wait_seconds_total',
    help: 'Time query workers spent waiting for the QUERY_RATE_PER_SEC cap',
    registers: [registry],
  });
  const merchantPauses = new Counter({
    name: 'llrecon_merchant_pauses_total',
    help: 'Times querying was paused for the merchant because LianLian reported a configuration error, by ret_code',
    labelNames: ['ret_code'] as const,
    registers: [registry],
  });
  const alerts = new Counter({
    name: 'llrecon_alerts_total',
    help: 'Conditions that need a person: config_error, not_found_overdue, amount_mismatch, unknown_code, abandoned, callback_rejected',
    labelNames: ['kind'] as const,
    registers: [registry],
  });

  if (sources.orderCounts) {
    const read = sources.orderCounts;
    new Gauge({
      name: 'llrecon_orders',
      help: 'Tracked orders per state',
      labelNames: ['state'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const [state, n] of Object.entries(await read())) this.set({ state }, n);
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
        for (const [queue, byState] of Object.entries(await read()))
          for (const [state, n] of Object.entries(byState)) this.set({ queue, state }, n);
      },
    });
  }

  return { registry, queries, queryLatency, events, callbacks, rateLimitWait, merchantPauses, alerts };
}

export type Metrics = ReturnType<typeof createMetrics>;
