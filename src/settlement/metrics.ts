// Settlement's Prometheus metrics on the engine's registry (created once per registry, as webhooks/metrics.ts):
// rows by result, and the time since the last settlement file was imported (for "no file for 36 h" alerts).
import { Counter, Gauge, type Registry } from 'prom-client';

export interface SettlementMetrics {
  /** `llrecon_settlement_rows_total{result}`: rows (and `missing` orders) given a verdict, new or changed. */
  rows: Counter<'result'>;
  /** `llrecon_settlement_last_file_timestamp_seconds`: when the latest file's import finished (0: never). */
  lastFile: Gauge;
  /** `llrecon_settlement_seconds_since_last_file`: now minus the above (absent until a file was imported). */
  sinceLastFile: Gauge;
  /** Sets the time of the latest import (epoch ms), e.g. read from Redis. */
  setLastFile(ms: number): void;
}

const ROWS = 'llrecon_settlement_rows_total';
const LAST = 'llrecon_settlement_last_file_timestamp_seconds';
const SINCE = 'llrecon_settlement_seconds_since_last_file';
const byRegistry = new WeakMap<Registry, SettlementMetrics>();

export function settlementMetrics(registry: Registry, now: () => number = Date.now): SettlementMetrics {
  const known = byRegistry.get(registry);
  if (known) return known;
  let lastMs = 0;
  const rows = new Counter({
    name: ROWS,
    help: 'Settlement rows (and missing orders) given a verdict, new or changed, by result',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const lastFile = new Gauge({
    name: LAST,
    help: 'When the latest settlement file was imported (epoch seconds; 0: never)',
    registers: [registry],
  });
  const sinceLastFile = new Gauge({
    name: SINCE,
    help: 'Seconds since the latest settlement file was imported (absent until one was)',
    registers: [registry],
    collect() {
      if (lastMs > 0) this.set((now() - lastMs) / 1000);
    },
  });
  lastFile.set(0);
  for (const result of ['matched', 'amount_mismatch', 'not_captured', 'missing', 'untracked', 'refund', 'other']) rows.inc({ result }, 0);
  const m: SettlementMetrics = {
    rows,
    lastFile,
    sinceLastFile,
    setLastFile(ms) {
      if (ms <= lastMs) return;
      lastMs = ms;
      lastFile.set(Math.floor(ms / 1000));
    },
  };
  byRegistry.set(registry, m);
  return m;
}
