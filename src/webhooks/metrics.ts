// The webhook sink's Prometheus metrics, registered on the engine's registry (ctx.metrics.registry). Calling
// again with the same registry returns the metrics already there (a sink restarted in the same process).
import { Counter, Histogram, type Registry } from 'prom-client';

/** Delivery attempts by result, and how long they took. */
export interface WebhookMetrics {
  /** `llrecon_webhook_deliveries_total{result}`: result is `delivered`, `failed` or `gone`. */
  deliveries: Counter<'result'>;
  /** `llrecon_webhook_delivery_duration_seconds{result}`: one attempt, from request to answer (or failure). */
  latency: Histogram<'result'>;
}

const DELIVERIES = 'llrecon_webhook_deliveries_total';
const LATENCY = 'llrecon_webhook_delivery_duration_seconds';

/** The webhook metrics on `registry`, created on first use. */
export function webhookMetrics(registry: Registry): WebhookMetrics {
  const deliveries =
    (registry.getSingleMetric(DELIVERIES) as Counter<'result'> | undefined) ??
    new Counter({
      name: DELIVERIES,
      help: 'Webhook delivery attempts, by result (delivered: 2xx; gone: 410, not retried; failed: anything else, retried)',
      labelNames: ['result'] as const,
      registers: [registry],
    });
  const latency =
    (registry.getSingleMetric(LATENCY) as Histogram<'result'> | undefined) ??
    new Histogram({
      name: LATENCY,
      help: 'Time one webhook delivery attempt took, by result',
      labelNames: ['result'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
      registers: [registry],
    });
  return { deliveries, latency };
}
