// The open-loop load generator in a process of its own (forked by bench/extended.ts), so that the bench process's
// own work and memory do not delay the schedule; it sends through the lean RawHttpPool, so that it takes as little
// of the shared cores as it can. IPC: receives one OpenLoopRun, answers one OpenLoopReport, exits.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { openLoop } from './load.js';
import { RawHttpPool } from './raw-http.js';

export interface OpenLoopRun {
  url: string;
  rate: number;
  bodies: string[];
  maxSockets: number;
}

export interface OpenLoopReport {
  latencies: number[];
  wallMs: number;
  /** This process's event-loop delay during the run, ms. */
  loopP99Ms: number;
  loopMaxMs: number;
  /** The first refusal, if any answer was not a 200 with ret_code 0000. */
  error: string | null;
}

/** Connections opened before the schedule starts (more are opened if answers fall behind). */
const WARM_CONNECTIONS = 64;

process.once('message', (msg: OpenLoopRun) => {
  void (async () => {
    const pool = new RawHttpPool(new URL(msg.url), msg.maxSockets);
    const requests = msg.bodies.map((b) => pool.render(b));
    await pool.warm(WARM_CONNECTIONS);
    const loop = monitorEventLoopDelay({ resolution: 5 });
    let error: string | null = null;
    loop.enable();
    const { latencies, wallMs } = await openLoop(msg.rate, requests.length, async (i) => {
      // a connection the daemon reset is a refusal like any other: reported, never a crash that leaves the bench
      // waiting for a report that cannot come
      const r = await pool.send(requests[i] as Buffer).catch((err: Error) => ({ status: 0, text: `connection failed: ${err.message}` }));
      if (error === null && (r.status !== 200 || !r.text.includes('"0000"'))) error = `notify answered ${r.status} ${r.text.slice(0, 80)}`;
    });
    loop.disable();
    pool.close();
    const report: OpenLoopReport = { latencies, wallMs, loopP99Ms: loop.percentile(99) / 1e6, loopMaxMs: loop.max / 1e6, error };
    process.send?.(report, () => process.exit(0));
  })();
});
