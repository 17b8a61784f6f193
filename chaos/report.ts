// A chaos run's report as Markdown: the set-up, the figures, and PASS/FAIL per check.
import type { ChaosOptions, ChaosReport } from './scenario.js';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const list = (r: Record<string, number>): string =>
  Object.entries(r)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';

/**
 * The report of `report`, run with `opts`, as Markdown (also what `npm run chaos` prints). `context` lines (the
 * machine, the date) go under the heading; `shownLogDir` is how the log directory is named (default: as given).
 */
export function formatReport(
  report: ChaosReport,
  opts: ChaosOptions,
  context: readonly string[] = [],
  shownLogDir = report.logDir,
): string {
  const f = report.figures;
  const lines = [
    '# llrecon chaos run',
    '',
    ...context,
    ...(context.length > 0 ? [''] : []),
    `Result: **${report.passed ? 'PASS' : 'FAIL'}** (${report.checks.filter((c) => c.pass).length}/${report.checks.length} checks)`,
    '',
    '## Set-up',
    `- one API process (ROLES=api) and two worker processes (ROLES=query,notify), its own redis-server (append-only), the LianLian simulator (a process of its own)`,
    `- ${f.orders} orders tracked by POST /orders: ${opts.warmupOrders} ${seconds(opts.warmupMs)} before the chaos, the others in ${opts.trackWaves} wave(s) over its first ${seconds(opts.trackOverMs)}; ${f.ordersNotifying} of them with LianLian notifications; each step of an order's life lasts ${opts.answersPerStep} answers`,
    `- paths: ${list(f.ordersByPath)}`,
    `- QUERY_RATE_PER_SEC ${opts.queryRatePerSec}, QUERY_CONCURRENCY ${opts.queryConcurrency}, QUERY_TIMEOUT ${opts.queryTimeout}, POLL_SCHEDULE ${opts.pollSchedule}, BullMQ lock ${opts.lockMs} ms`,
    `- faults: ${Math.round(f.faultRate * 100)}% of queries, split equally among ${f.faultKinds.join(', ')} (latency ${opts.latencyMs} ms; stale answers only for orders whose every step is a later phase)`,
    `- chaos for ${seconds(opts.chaosMs)}: each worker SIGKILLed after ${seconds(opts.killEveryMs[0])}–${seconds(opts.killEveryMs[1])} of life, then started again; redis-server SIGKILLed and restarted at +${seconds(opts.redisRestartAtMs)}, stopped (SIGTERM) for ${seconds(opts.outageMs)} at +${seconds(opts.outageAtMs)}; ${f.callbacks.forgedSent} forged callbacks`,
    '',
    '## Figures',
    `- orders: ${f.orders}; events: ${f.events} (via ${list(f.eventsByVia)})`,
    `- queries seen by the simulator: ${f.queries}; failed queries as the workers logged them: ${list(f.failuresSeen)} (latency faults still answer)`,
    `- worker kills (SIGKILL): ${f.workerKills}; worker starts: ${f.workerStarts}; exits nobody asked for: ${f.unexpectedExits.length}`,
    `- Redis restart: ${f.redisRestart.how}, back after ${f.redisRestart.downMs} ms; Redis outage: ${f.outage.how}, down ${seconds(f.outage.downMs)}`,
    `- query rate: cap ${f.rate.cap}/s; as the simulator saw them, most in any 900 ms ${f.rate.max900ms} and in any 1000 ms ${f.rate.max1000ms}; granted on Redis's clock, most in any 1000 ms ${f.rate.grantsMax1000ms}; mean ${f.rate.meanPerSec}/s` +
      (f.rate.worst900msAt === null
        ? ''
        : `; the busiest 900 ms began at +${seconds(f.rate.worst900msAt)}${f.rate.workerStartBeforeWorstMs === null ? '' : `, ${f.rate.workerStartBeforeWorstMs} ms after a worker process was (re)started`}`),
    `- how the rate was observed: the simulator (nice ${f.rate.observer.nice}) timestamps a query as its request comes in; its event loop ran at most ${f.rate.observer.maxMs} ms late (p99 ${f.rate.observer.p99Ms} ms); the grant watch (a process of its own) read the rate log at least every ${f.rate.grantWatchLongestGapMs} ms while Redis was up (a grant stays 1,100 ms)`,
    `- callbacks: ${f.callbacks.accepted} verified and confirmed by query, ${f.callbacks.rejected} rejected (${f.callbacks.forgedSent} forged sent)`,
    `- every order settled (final, or authorized when its capture or void was lost with its worker) ${f.allFinalAfterMs === null ? 'NEVER' : `${seconds(f.allFinalAfterMs)} after the first POST /orders`}; whole run ${seconds(f.durationMs)}`,
    '',
    '## Checks',
    ...report.checks.map((c) => `- ${c.pass ? 'PASS' : 'FAIL'} — ${c.name}: ${c.detail}`),
    '',
    `Logs of every process incarnation: \`${shownLogDir}/${report.logFiles}\``,
    '',
  ];
  return lines.join('\n');
}
