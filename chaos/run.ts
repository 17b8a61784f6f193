// `npm run chaos` (builds, then node dist/chaos/run.js): the full chaos scenario — 3000 orders (~70,000 queries), 20 %
// faults, worker processes SIGKILLed every few seconds for four minutes, a Redis crash and a 20 s Redis outage —
// sized to finish within 10 minutes on a 2-core machine. Prints progress and the report, writes the report into
// bench/RESULTS.md (its chaos block), and exits 1 when a check fails (2 when the run itself broke). Logs: reports/chaos-logs/.
import { spawnSync } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';
import { join, relative } from 'node:path';
import { RESULTS_FILE, writeResults } from '../bench/results-file.js';
import { REPO_ROOT } from './child-entry.js';
import { formatReport } from './report.js';
import { runChaos, type ChaosOptions } from './scenario.js';

const logDir = join(REPO_ROOT, 'reports', 'chaos-logs', `run-${Date.now()}`);

// The full run's size and pace (see ChaosOptions).
const FULL_RUN: ChaosOptions = {
  orders: 3000,
  faultRate: 0.2,
  queryRatePerSec: 200,
  // the simulator sees a query when its event loop gets to it: after a restarted worker's burst of new connections
  // that was up to 144 ms after the bytes came in (the report shows its loop delay); the cap is exact on Redis's clock
  observationSlackMs: 100,
  queryConcurrency: 16,
  queryTimeout: '1s',
  pollSchedule: '100ms',
  latencyMs: 300,
  lockMs: 2000,
  // four answers a step would leave ~1 % of full runs with a step skipped by bad luck (four of its answers lost to
  // badSignature faults and kills); five make that ~0.05 %
  answersPerStep: 5,
  notifyEvery: 5,
  warmupOrders: 40,
  warmupMs: 3000,
  trackWaves: 4,
  trackOverMs: 60_000,
  chaosMs: 240_000,
  killEveryMs: [4000, 12_000],
  // under load a start took 4-16 s: lives counted from the start left the workers no time to work
  lifeFromReadiness: true,
  redisRestartAtMs: 45_000,
  outageAtMs: 120_000,
  outageMs: 20_000,
  forgedCallbacks: 20,
  // one in four orders whose life goes on from PR07 waits there for llrecon's own capture or void (chaos/actions.ts)
  actionEvery: 4,
  settleMs: 300_000,
  quietMs: 3000,
  keyBits: 1024,
  logDir,
  progress: (line) => process.stdout.write(`${line}\n`),
};

const redisVersion = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.match(/v=(\S+)/)?.[1] ?? 'unknown';
const context = [
  `Run ${new Date().toISOString()} on ${availableParallelism()} CPU(s) (${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}, redis-server ${redisVersion}.`,
];

try {
  const report = await runChaos(FULL_RUN);
  const text = formatReport(report, FULL_RUN, context, relative(REPO_ROOT, report.logDir));
  process.stdout.write(`\n${text}`);
  writeResults('chaos', text);
  process.stdout.write(`\n(report written to ${relative(process.cwd(), RESULTS_FILE)})\n`);
  process.exit(report.passed ? 0 : 1);
} catch (err) {
  process.stderr.write(`chaos: the run broke: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(2);
}
